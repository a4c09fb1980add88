# bash completion for incluster, printed by `incluster completion bash` (generated from the
# command definitions; print it again after upgrading incluster). Load it with
#   source <(incluster completion bash)
# or save it as ~/.local/share/bash-completion/completions/incluster.

# One line per place on the command line: "<place><TAB><words>", where a place is the command
# path ("incluster run") or an option that takes a value ("incluster run --provider"); @file
# completes a path, @value takes any value.
_incluster_table='@TABLE@'

# Prints the words of place $1; returns 1 when the table has no such place.
_incluster_words() {
  local key words
  while IFS=$'\t' read -r key words; do
    if [[ $key == "$1" ]]; then
      printf '%s\n' "$words"
      return 0
    fi
  done <<<"$_incluster_table"
  return 1
}

_incluster() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local path=incluster word words i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    # After --, the words are the test runner's own.
    [[ $word == -- ]] && return 0
    if [[ $word == -* ]]; then
      # An option that takes a value consumes the next word (unless written --option=value).
      [[ $word != *=* ]] && _incluster_words "$path $word" >/dev/null && ((i++))
      continue
    fi
    words=" $(_incluster_words "$path") "
    [[ $words == *" $word "* ]] && path="$path $word"
  done
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  if ((COMP_CWORD > 1)) && [[ $prev == -* ]] && words=$(_incluster_words "$path $prev"); then
    case $words in
      @file) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
      @value) ;;
      *) mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur") ;;
    esac
    return 0
  fi
  words=$(_incluster_words "$path")
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

complete -o default -F _incluster incluster
