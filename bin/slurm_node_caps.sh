#!/usr/bin/env bash
# The largest SLURM node that jobs of the given partition(s) can land on, as caps for task requests.
#
#   slurm_node_caps.sh [PARTITION[,PARTITION...]]
#
# Prints one line "<cpus> <memory_mb> <time_limit_seconds|none>": the node with the most
# CPUs x memory among the partitions given (or the default partition, marked '*' by sinfo), and
# the time limit of its partition ('none' when unlimited). A request within both the CPU and the
# memory figure fits on that node. Run by conf/slurm.config on the launch host (needs sinfo).
# Exit 1 with a message on stderr when SLURM cannot be asked or lists no node.
set -euo pipefail

queue=${1:-}
args=(--noheader --Node --format='%c|%m|%l|%P')
[[ -n $queue ]] && args+=(--partition="$queue")

command -v sinfo >/dev/null || { echo "sinfo not found on PATH" >&2; exit 1; }
listing=$(sinfo "${args[@]}") || { echo "sinfo ${args[*]} failed" >&2; exit 1; }

# fields: CPUs | memory MB (may end in '+') | time limit | partition (default one ends in '*')
awk -F'|' -v want_default="$([[ -z $queue ]] && echo 1 || echo 0)" '
    function seconds(t,   d, n, parts) {
        if (t !~ /^([0-9]+-)?[0-9]+(:[0-9]+)?(:[0-9]+)?$/) return "none"   # infinite, UNLIMITED, n/a
        d = 0
        if (t ~ /-/) { d = substr(t, 1, index(t, "-") - 1); t = substr(t, index(t, "-") + 1)
            n = split(t, parts, ":")                 # d-hh, d-hh:mm, d-hh:mm:ss
            return d * 86400 + parts[1] * 3600 + (n > 1 ? parts[2] * 60 : 0) + (n > 2 ? parts[3] : 0) }
        n = split(t, parts, ":")
        if (n == 1) return parts[1] * 60                                    # mm
        if (n == 2) return parts[1] * 60 + parts[2]                         # mm:ss
        return parts[1] * 3600 + parts[2] * 60 + parts[3]                   # hh:mm:ss
    }
    {
        gsub(/[ +]/, "", $1); gsub(/[ +]/, "", $2); gsub(/ /, "", $4)
        if (want_default == 1 && $4 !~ /\*$/) next
        if ($1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/) next
        size = $1 * $2
        if (size > best) { best = size; line = $1 " " $2 " " seconds($3) }
    }
    END {
        if (line == "") { exit 1 }
        print line
    }
' <<<"$listing" || { echo "sinfo lists no node in partition ${queue:-(default)}" >&2; exit 1; }
