# bash completion for tinyben: verbs, each verb's options, benchmark and variant names for
# -b, and --set keys with their choices. Everything comes from the binary being completed
# (`tinyben --help`, `tinyben VERB --help`, `tinyben list --json --options`), read once per
# shell and binary, so a new verb, benchmark or option completes without editing this file.

declare -gA _tinyben_variants=() _tinyben_choices=() _tinyben_verb_opts=()
declare -g _tinyben_loaded_for="" _tinyben_verbs="" _tinyben_benches="" _tinyben_keys=""

_tinyben_load() {
	local bin=$1 line rest name key type more v
	[ "$_tinyben_loaded_for" = "$bin" ] && return 0
	_tinyben_variants=() _tinyben_choices=() _tinyben_verb_opts=()
	_tinyben_verbs="" _tinyben_benches="" _tinyben_keys=""
	while IFS= read -r line; do
		[[ $line =~ ^\ \ ([a-z][a-z-]*)\ \  ]] && _tinyben_verbs+="${BASH_REMATCH[1]} "
	done < <("$bin" --help 2>/dev/null)
	# Help and description texts may hold any character: drop them before matching fields.
	while IFS= read -r line; do
		[[ $line =~ ^\{\"name\":\"([^\"]+)\" ]] || continue
		name=${BASH_REMATCH[1]}
		_tinyben_benches+="$name "
		if [[ $line =~ \"variants\":\[([^]]*)\] ]]; then
			v=${BASH_REMATCH[1]//\"/}
			_tinyben_variants[$name]=${v//,/ }
		fi
		rest=${line#*\"options\":\[}
		[ "$rest" = "$line" ] && continue
		while [[ $rest =~ \{\"name\":\"([^\"]+)\",\"type\":\"([^\"]+)\"([^}]*)\} ]]; do
			key=$name.${BASH_REMATCH[1]} type=${BASH_REMATCH[2]} more=${BASH_REMATCH[3]}
			rest=${rest#*"${BASH_REMATCH[0]}"}
			_tinyben_keys+="$key "
			if [[ $more =~ \"choices\":\[([^]]*)\] ]]; then
				v=${BASH_REMATCH[1]//\"/}
				_tinyben_choices[$key]=${v//,/ }
			elif [ "$type" = bool ]; then
				_tinyben_choices[$key]="0 1"
			fi
		done
	done < <("$bin" list --json --options 2>/dev/null |
		sed -E 's/"(help|description)":"([^"\\]|\\.)*"//g')
	_tinyben_loaded_for=$bin
}

# The options of one verb, from its --help: the option lines, and the usage lines of verbs
# that list their options there only.
_tinyben_opts() {
	local bin=$1 verb=$2 line opts="" w
	if [ -z "${_tinyben_verb_opts[$verb]+set}" ]; then
		while IFS= read -r line; do
			if [[ $line =~ ^\ +(-[a-zA-Z],\ )?(--[a-z][a-z0-9-]*) ]]; then
				w=${BASH_REMATCH[2]}
				[ -n "${BASH_REMATCH[1]}" ] && opts+="${BASH_REMATCH[1]%, } "
				[[ " $opts " == *" $w "* ]] || opts+="$w "
			elif [[ $line =~ tinyben\ $verb ]]; then
				for w in $line; do
					w=${w#[}; w=${w%%[]|]*}
					[[ $w =~ ^--?[a-zA-Z][a-zA-Z0-9-]*$ && " $opts " != *" $w "* ]] && opts+="$w "
				done
			fi
		done < <("$bin" "$verb" --help 2>/dev/null)
		_tinyben_verb_opts[$verb]="$opts--help"
	fi
	echo "${_tinyben_verb_opts[$verb]}"
}

_tinyben() {
	local words=() cur prev bin verb="" i w list=() b
	# The line itself, split at blanks only: bash splits COMP_WORDS at '=' and ':' too,
	# which would cut `--set io.uring.engine=` and `-b mem.mbw:` apart.
	if [ -n "${COMP_LINE:-}" ]; then
		read -ra words <<<"${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}"
		[[ ${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}} =~ [[:space:]]$ ]] && words+=("")
	else
		words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
	fi
	[ ${#words[@]} -ge 2 ] || words+=("")
	cur=${words[-1]} prev=${words[-2]}
	bin=${words[0]}
	command -v "$bin" >/dev/null 2>&1 || bin=tinyben
	_tinyben_load "$bin"
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		[[ ${words[i]} == -* ]] || { verb=${words[i]}; break; }
	done
	COMPREPLY=()

	if [ -z "$verb" ]; then
		COMPREPLY=($(compgen -W "$_tinyben_verbs --help --version" -- "$cur"))
		return 0
	fi
	case $prev in
	-b | --bench)
		# A comma list of BENCH or BENCH:VARIANT: complete the last item.
		local head="" item=$cur
		[[ $cur == *,* ]] && head=${cur%,*}, item=${cur##*,}
		if [[ $item == *:* ]]; then
			b=${item%%:*}
			for w in ${_tinyben_variants[$b]:-}; do list+=("$head$b:$w"); done
		else
			for w in $_tinyben_benches; do list+=("$head$w" "$head$w:"); done
		fi
		COMPREPLY=($(compgen -W "${list[*]}" -- "$cur"))
		;;
	--set)
		if [[ $cur == *=* ]]; then
			local key=${cur%%=*}
			for w in ${_tinyben_choices[$key]:-}; do list+=("$key=$w"); done
		else
			for w in $_tinyben_keys; do list+=("$w="); done
		fi
		COMPREPLY=($(compgen -W "${list[*]}" -- "$cur"))
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		;;
	--format)
		[ "$verb" = compare ] && list=(text csv markdown) || list=(csv json)
		COMPREPLY=($(compgen -W "${list[*]}" -- "$cur"))
		;;
	--by) COMPREPLY=($(compgen -W "file run cc_level tag." -- "$cur")) ;;
	--threads) COMPREPLY=($(compgen -W "1 2 4 all" -- "$cur")) ;;
	--dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
	-o | --output | --corpus | --evidence | --save-evidence | --bind | --vcek | --chain | --bound | --base | --cand)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	-r | --reps | --runs | --min-time | --tag | --redis | --margin | --size | --seconds | --pid | --marker | --name | --prepare | --report-data | --product)
		;;
	*)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_tinyben_opts "$bin" "$verb")" -- "$cur"))
		elif [ "$verb" = attest ] && [ "$prev" = attest ]; then
			COMPREPLY=($(compgen -W "show verify" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	esac
	# bash replaces only what follows the last '=' or ':' of the word: hand back that part.
	if [[ $cur == *[=:]* ]] && [[ ${COMP_WORDBREAKS:-=:} == *[=:]* ]]; then
		local cut=${cur%"${cur##*[=:]}"}
		COMPREPLY=("${COMPREPLY[@]#"$cut"}")
	fi
	return 0
}

complete -F _tinyben tinyben
