#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# consistency.sh PTSCOPE: the commands, options, columns and flag names of
# the tool agree across uapi/ptscope.h, `ptscope --help', `ptscope COMMAND
# --help', the man page docs/ptscope.8 and the bash completion
# userspace/completion/ptscope.  Needs no kernel module.
#
# The oracles are the other sources, never the tool's C code: flag names come
# from the header's text, the completion is run (not grepped) to see what it
# offers.  PTSCOPE_UAPI, PTSCOPE_MANPAGE and PTSCOPE_COMPLETION point the test
# at other copies, which is how each check is shown to be able to fail.
#
# Output is TAP as the kselftests print it, ending in one "# Totals:" line
# (scripts/check adds those up); the exit status is 1 if a check failed.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH_TO_PTSCOPE_BINARY" >&2
	exit 2
fi
bin=$1
[[ $bin == /* ]] || bin=$PWD/$bin
if [ ! -x "$bin" ]; then
	echo "$0: $1 is not an executable: build it with 'make -C userspace ptscope'" >&2
	exit 2
fi

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
uapi=${PTSCOPE_UAPI:-$top/uapi/ptscope.h}
manpage=${PTSCOPE_MANPAGE:-$top/docs/ptscope.8}
completion=${PTSCOPE_COMPLETION:-$top/userspace/completion/ptscope}
for f in "$uapi" "$manpage" "$completion"; do
	if [ ! -r "$f" ]; then
		echo "$0: cannot read $f" >&2
		exit 2
	fi
done

# Results are kept and printed at the end, so that the plan comes first.
results=()
pass=0
fail=0

# result STATUS DESCRIPTION [DIAGNOSTIC LINES]: record one test.
result()
{
	local status=$1 desc=$2 n=$((${#results[@]} + 1))

	shift 2
	if [ "$status" = 0 ]; then
		results+=("ok $n $desc")
		pass=$((pass + 1))
	else
		results+=("not ok $n $desc")
		fail=$((fail + 1))
	fi
	while [ $# -gt 0 ]; do
		[ -n "$1" ] && results[-1]+=$'\n'"# $1"
		shift
	done
}

# words: one word per line, sorted, no duplicates, no empty lines.
words()
{
	tr ' \t' '\n\n' | sed '/^$/d' | LC_ALL=C sort -u
}

# same NAME_A LIST_A NAME_B LIST_B DESCRIPTION [nonempty]: LIST_A and LIST_B
# (whitespace-separated words) are the same set.  With "nonempty", an empty
# LIST_A fails too: a source that could not be read must not pass.
same()
{
	local name_a=$1 a b only_a only_b desc=$5 msgs=()

	a=$(printf '%s\n' "$2" | words)
	b=$(printf '%s\n' "$4" | words)
	only_a=$(LC_ALL=C comm -23 <(printf '%s\n' "$a") <(printf '%s\n' "$b") | sed '/^$/d' | tr '\n' ' ')
	only_b=$(LC_ALL=C comm -13 <(printf '%s\n' "$a") <(printf '%s\n' "$b") | sed '/^$/d' | tr '\n' ' ')
	[ -n "$only_a" ] && msgs+=("only in $name_a: $only_a")
	[ -n "$only_b" ] && msgs+=("only in $3: $only_b")
	if [ "${6:-}" = nonempty ] && [ -z "$a" ]; then
		msgs+=("nothing found in $name_a")
	fi
	if [ ${#msgs[@]} -eq 0 ]; then
		result 0 "$desc"
	else
		result 1 "$desc" "${msgs[@]}"
	fi
}

# --- --help output -----------------------------------------------------------

# help_section TEXT REGEX [SKIP]: the lines of the sections of TEXT whose
# heading (a line that does not start with a blank) matches REGEX and not
# SKIP, up to the next blank line or heading.
help_section()
{
	printf '%s\n' "$1" | awk -v re="$2" -v skip="${3:-}" '
		/^[^ \t]/ { on = ($0 ~ re) && !(skip != "" && $0 ~ skip); next }
		!NF { on = 0 }
		on'
}

# Long options at the start of lines such as "  -j, --json   JSON output".
help_long_options()
{
	sed -nE 's/^[[:space:]]+(-[[:alnum:]], )?(--[[:alnum:]][[:alnum:]-]*).*/\2/p'
}

# The first word of each line: commands and columns.
first_words()
{
	awk 'NF { print $1 }'
}

# Flag names under a "Flags" heading: a table of one name per line with its
# meaning after a gap of two or more blanks ("  lru     on an LRU list"), or
# lists of names separated by blanks or commas, wrapped over lines
# ("  present writable user ...").
help_flags()
{
	awk '
		{ lines[NR] = $0 }
		/^[ \t]+[^ \t]+([ \t][ \t]+|\t)[^ \t]/ { table = 1 }
		END {
			for (i = 1; i <= NR; i++) {
				n = split(lines[i], w, /[, \t]+/)
				for (j = 1; j <= n; j++) {
					if (w[j] == "")
						continue
					print w[j]
					if (table)
						break
				}
			}
		}'
}

top_help=$("$bin" --help 2>&1)
top_rc=$?
help_commands=$(help_section "$top_help" '^Commands' | first_words)
help_global=$(help_section "$top_help" '^Options' | help_long_options)
if [ $top_rc -eq 0 ] && [ -n "$help_commands" ] && [ -n "$help_global" ]; then
	result 0 "ptscope --help lists commands and options"
else
	result 1 "ptscope --help lists commands and options" \
		"exit status $top_rc, $(printf '%s\n' "$help_commands" | words | wc -l) commands, $(printf '%s\n' "$help_global" | words | wc -l) options"
fi

# --- the man page --------------------------------------------------------------

# One line per .SH, .SS and .TP tag of the man page, as tab-separated fields:
#	SH <tab> section
#	SS <tab> section <tab> subsection
#	TP <tab> section <tab> subsection <tab> block <tab> tag text
# where a block is started by a ".B Something:" line (Options:, Columns:,
# Page flags:...) and lasts until the next one, .SS or .SH.  Font escapes,
# quotes and macro names are removed from the text; \- becomes -.
man_index()
{
	awk '
		function text(s,    out, i, c, q, arg, n, args, alt) {
			alt = (s ~ /^\.(BR|RB|BI|IB|IR|RI) /)
			sub(/^\.[A-Z]+[ \t]*/, "", s)
			# Split into arguments, honouring double quotes.
			n = 0; arg = ""; q = 0; c = ""
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (c == "\"") { q = !q; continue }
				if (!q && (c == " " || c == "\t")) {
					if (arg != "") args[++n] = arg
					arg = ""
					continue
				}
				arg = arg c
			}
			if (arg != "") args[++n] = arg
			out = ""
			for (i = 1; i <= n; i++)
				out = out (i > 1 && !alt ? " " : "") args[i]
			gsub(/\\f(\(..|\[[^]]*\]|.)/, "", out)
			gsub(/\\-/, "-", out)
			gsub(/\\\(en/, "-", out)
			gsub(/\\\(aq/, "\047", out)
			gsub(/\\\(dq/, "\"", out)
			gsub(/\\[&c]/, "", out)
			gsub(/\\ /, " ", out)
			return out
		}
		/^\.\\"/ { next }
		/^\.SH/ { sh = text($0); ss = ""; block = ""; print "SH\t" sh; next }
		/^\.SS/ { ss = text($0); block = ""; print "SS\t" sh "\t" ss; next }
		/^\.TP/ { tag = 1; next }
		tag { tag = 0; print "TP\t" sh "\t" ss "\t" block "\t" text($0); next }
		/^\.B / { t = text($0); if (t ~ /:$/) block = t; next }
	' "$manpage"
}

man_idx=$(man_index)

# The .SS subsections of COMMANDS, by name: "faults", or "ptscope faults ...".
man_commands=$(printf '%s\n' "$man_idx" | awk -F'\t' '
	$1 == "SS" && $2 == "COMMANDS" {
		n = split($3, w, " ")
		print (w[1] == "ptscope" && n > 1) ? w[2] : w[1]
	}')

# The tags of the .SS of COMMAND (found by its name) in BLOCK_REGEX, or all.
man_command_tags()
{
	printf '%s\n' "$man_idx" | awk -F'\t' -v cmd="$1" -v re="${2:-}" '
		$1 != "TP" || $2 != "COMMANDS" { next }
		{
			n = split($3, w, " ")
			name = (w[1] == "ptscope" && n > 1) ? w[2] : w[1]
		}
		name == cmd && (re == "" || $4 ~ re) { print $5 }'
}

# Long options in tags: "--json", "-o, --output COLUMNS", "--by state|node".
long_options_in()
{
	grep -oE -- '--[[:alnum:]][[:alnum:]-]*' || true
}

man_global=$(printf '%s\n' "$man_idx" | awk -F'\t' '$1 == "TP" && $2 == "GLOBAL OPTIONS" { print $5 }' |
	long_options_in)

# The commands of the SYNOPSIS, written {faults|help|...}.
man_synopsis=$(awk '
	/^\.SH/ { on = ($0 ~ /SYNOPSIS/); next }
	on && /\{/ { gsub(/\\f[BIRP]|"/, ""); s = $0; sub(/.*\{/, "", s); sub(/\}.*/, "", s); gsub(/\|/, " ", s); print s }
' "$manpage")

# --- the completion ----------------------------------------------------------

# complete_words WORD...: what the completion offers for the last word of the
# command line WORD... (run in its own bash, as bash would run it).
complete_words()
{
	bash -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_ptscope 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"
	' complete_words "$completion" "$@" 2>/dev/null
}

comp_commands=$(complete_words "$bin" '')
comp_global=$(complete_words "$bin" - | long_options_in)

# --- commands and global options ---------------------------------------------

same "ptscope --help" "$help_commands" "man page COMMANDS" "$man_commands" \
	"commands: ptscope --help == .SS of the man page's COMMANDS" nonempty
same "ptscope --help" "$help_commands" "man page SYNOPSIS" "$man_synopsis" \
	"commands: ptscope --help == the man page's SYNOPSIS" nonempty
same "ptscope --help" "$help_commands" "completion" "$comp_commands" \
	"commands: ptscope --help == the completion's" nonempty
same "ptscope --help" "$help_global" "man page GLOBAL OPTIONS" "$man_global" \
	"global options: ptscope --help == the man page's GLOBAL OPTIONS" nonempty
same "ptscope --help" "$help_global" "completion" "$comp_global" \
	"global options: ptscope --help == the completion's" nonempty

# --- each command ------------------------------------------------------------

# Every command any of the sources knows, so that one missing from --help
# still has its own checks.
all_commands=$(printf '%s\n' "$help_commands" "$man_commands" "$comp_commands" | words)

# minus LIST REMOVE: the words of LIST that are not in REMOVE.
minus()
{
	LC_ALL=C comm -23 <(printf '%s\n' "$1" | words) <(printf '%s\n' "$2" | words)
}

declare -A cmd_help
for cmd in $all_commands; do
	out=$("$bin" "$cmd" --help 2>&1)
	rc=$?
	cmd_help[$cmd]=$out
	if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^Usage:'; then
		result 0 "$cmd: ptscope $cmd --help works without the module"
	else
		result 1 "$cmd: ptscope $cmd --help works without the module" \
			"exit status $rc: $(printf '%s\n' "$out" | head -n 1)"
	fi
done

for cmd in $all_commands; do
	# Its own options: those of its Options section(s), less the global
	# ones (`help --help' shows the global help).
	help_own=$(help_section "${cmd_help[$cmd]}" '^[A-Za-z ]*[Oo]ptions[^:]*:' '^Global' |
		   help_long_options)
	help_own=$(minus "$help_own" "$help_global")
	man_own=$(man_command_tags "$cmd" | long_options_in)
	comp_own=$(complete_words "$bin" "$cmd" - | long_options_in)
	comp_own=$(minus "$comp_own" "$comp_global")
	same "ptscope $cmd --help" "$help_own" "man page" "$man_own" \
		"$cmd options: ptscope $cmd --help == the man page's .SS $cmd"
	same "ptscope $cmd --help" "$help_own" "completion" "$comp_own" \
		"$cmd options: ptscope $cmd --help == the completion's"
done

for cmd in $all_commands; do
	help_cols=$(help_section "${cmd_help[$cmd]}" '^Columns' | first_words)
	man_cols=$(man_command_tags "$cmd" '^Columns' | first_words)
	[ -z "$help_cols$man_cols" ] && continue
	same "ptscope $cmd --help" "$help_cols" "man page" "$man_cols" \
		"$cmd columns: ptscope $cmd --help == the man page's .SS $cmd"
	comp_cols=$(complete_words "$bin" "$cmd" -o '')
	same "ptscope $cmd --help" "$help_cols" "completion" "$comp_cols" \
		"$cmd columns: ptscope $cmd --help == what the completion offers for -o"
done

# --- flag names ----------------------------------------------------------------

# uapi_bits PREFIX: the PTSCOPE_<PREFIX>_* bits defined in the header.
uapi_bits()
{
	sed -nE "s/^#define[[:space:]]+(PTSCOPE_$1_[A-Z0-9_]+)[[:space:]]+\(1ULL[[:space:]]*<<.*/\1/p" "$uapi"
}

# uapi_table PREFIX: "BIT name" for each X(BIT, "name") of PTSCOPE_<PREFIX>_FOREACH.
uapi_table()
{
	awk -v def="PTSCOPE_$1_FOREACH" '
		$1 == "#define" && index($2, def "(") == 1 { on = 1 }
		on {
			s = $0
			while (match(s, /X\([A-Z0-9_]+, *"[^"]*"\)/)) {
				x = substr(s, RSTART + 2, RLENGTH - 3)
				s = substr(s, RSTART + RLENGTH)
				split(x, f, /, */)
				gsub(/"/, "", f[2])
				print f[1], f[2]
			}
			if ($0 !~ /\\[ \t]*$/) on = 0
		}' "$uapi"
}

# flags PREFIX COMMAND KIND: the names of PTSCOPE_<PREFIX>_* in the header,
# in `ptscope COMMAND --help' and in the man page's .SS COMMAND.
#
# The names are those of the header's X-macro table, which the module's /proc
# files and the tool (userspace/cmd/format.c) print; they are the macro names
# lowercased except where the table says otherwise (PTSCOPE_PF_WRITE is
# "writable", PTSCOPE_PF_SWAP "swapped").  No bit is left out:
# userspace/cmd/format.c names every entry of both tables, including
# PTSCOPE_PF_PFN_HIDDEN and PTSCOPE_VMA_NAME_TRUNCATED/CHANGED.  (ptscope
# pages leaves pfn_hidden, present and swapped out of its FLAGS column, but
# prints them elsewhere (PFN/SWAP "-", the ENTRY column), and
# /proc/ptscope/pages prints all three, so they are documented names.)
flags()
{
	local prefix=$1 cmd=$2 kind=$3 bits table names missing unknown dups
	local help_names man_names

	bits=$(uapi_bits "$prefix" | words)
	table=$(uapi_table "$prefix")
	names=$(printf '%s\n' "$table" | awk 'NF == 2 { print $2 }')
	missing=$(minus "$bits" "$(printf '%s\n' "$table" | awk '{ print $1 }')" | tr '\n' ' ')
	unknown=$(minus "$(printf '%s\n' "$table" | awk '{ print $1 }')" "$bits" | tr '\n' ' ')
	dups=$(printf '%s\n' "$names" | sed '/^$/d' | LC_ALL=C sort | uniq -d | tr '\n' ' ')
	if [ -n "$bits" ] && [ -z "$missing$unknown$dups" ]; then
		result 0 "uapi: every PTSCOPE_${prefix}_* bit has one name in PTSCOPE_${prefix}_FOREACH"
	else
		result 1 "uapi: every PTSCOPE_${prefix}_* bit has one name in PTSCOPE_${prefix}_FOREACH" \
			"$([ -z "$bits" ] && echo "no PTSCOPE_${prefix}_* bits found in $uapi")" \
			"$([ -n "$missing" ] && echo "bits without a name: $missing")" \
			"$([ -n "$unknown" ] && echo "names of no defined bit: $unknown")" \
			"$([ -n "$dups" ] && echo "names used twice: $dups")"
	fi

	help_names=$(help_section "${cmd_help[$cmd]:-}" '^Flags' | help_flags)
	same "uapi/ptscope.h" "$names" "ptscope $cmd --help" "$help_names" \
		"$kind flags: uapi/ptscope.h == the Flags: of ptscope $cmd --help" nonempty
	man_names=$(man_command_tags "$cmd" '[Ff]lags:$' | first_words)
	same "uapi/ptscope.h" "$names" "man page" "$man_names" \
		"$kind flags: uapi/ptscope.h == the man page's .SS $cmd" nonempty
}

flags PF pages page
flags VMA maps mapping

# --- report ----------------------------------------------------------------------

echo "TAP version 13"
echo "1..${#results[@]}"
printf '%s\n' "${results[@]}"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" -eq 0 ]
