# fish completion for irsactl; candidates come from `irsactl __complete`.
function __irsactl_complete
	set -l words (commandline -opc)
	set -e words[1]
	set -l out (irsactl __complete $words (commandline -ct) 2>/dev/null)
	switch "$out[1]"
		case ':file' ':dir'
			__fish_complete_path (commandline -ct)
		case '*'
			printf '%s\n' $out
	end
end
complete -c irsactl -f -a '(__irsactl_complete)'
