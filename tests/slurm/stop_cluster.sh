#!/usr/bin/env bash
# Stop the daemons started by start_cluster.sh DIR, by the PIDs in DIR/run/*.pid (and only those).
#   bash tests/slurm/stop_cluster.sh DIR
set -uo pipefail

DIR=${1:?usage: stop_cluster.sh DIR}
[ -d "$DIR/run" ] || exit 0

# Jobs still queued or running are cancelled first, so no job step outlives the cluster.
if [ -f "$DIR/slurm.conf" ] && [ -s "$DIR/run/slurmctld.pid" ]; then
    ids=$(SLURM_CONF=$DIR/slurm.conf timeout 10 squeue -h -t PD,R,CG -o %i 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && SLURM_CONF=$DIR/slurm.conf timeout 10 scancel $ids 2>/dev/null
fi

for daemon in slurmd slurmctld munged; do   # slurmd first: it talks to the controller
    pidfile=$DIR/run/$daemon.pid
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # only a process of that name: a stale pid file must not kill someone else's process
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$daemon" ]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$pidfile"
done

# the default-path link made by start_cluster.sh, if it is still ours
if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$(cd "$DIR" && pwd)/slurm.conf" ]; then
    rm -f /etc/slurm/slurm.conf
fi
exit 0
