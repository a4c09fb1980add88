# zsh completion for incluster, printed by `incluster completion zsh` (generated from the command
# definitions; print it again after upgrading incluster). Load it from ~/.zshrc with
#   source <(incluster completion zsh)
# It is the bash completion, run by zsh's bashcompinit.

autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit

@BASH@
