# fish completion for incluster, printed by `incluster completion fish` (generated from the command
# definitions; print it again after upgrading incluster). Load it with
#   incluster completion fish | source
# or save it as ~/.config/fish/completions/incluster.fish.

# One line per place on the command line: "<place><TAB><words>", where a place is the command
# path ("incluster run") or an option that takes a value ("incluster run --provider"); @file
# completes a path, @value takes any value.
set -g __incluster_table '@TABLE@'

# Prints the words of place $argv; returns 1 when the table has no such place.
function __incluster_words
    for line in (string split \n -- $__incluster_table)
        set -l parts (string split -m 1 \t -- $line)
        if test "$parts[1]" = "$argv"
            string split ' ' -- $parts[2]
            return 0
        end
    end
    return 1
end

function __incluster_complete
    set -l tokens (commandline -opc)
    set -l path incluster
    set -l skip 0
    for word in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        # After --, the words are the test runner's own.
        test "$word" = -- && return 0
        if string match -q -- '-*' $word
            if not string match -q -- '*=*' $word && __incluster_words "$path $word" >/dev/null
                set skip 1
            end
            continue
        end
        if contains -- $word (__incluster_words $path)
            set path "$path $word"
        end
    end
    if test $skip = 1
        set -l values (__incluster_words "$path $tokens[-1]")
        switch "$values"
            case @file
                __fish_complete_path (commandline -ct)
            case @value
            case '*'
                printf '%s\n' $values
        end
        return 0
    end
    __incluster_words $path
end

complete -c incluster -f -a '(__incluster_complete)'
