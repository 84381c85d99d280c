#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the integration test (tests/test_slurm.py) and CI.
#
#   bash tests/slurm/start_cluster.sh DIR     # DIR: an empty or new folder for all its state
#   export SLURM_CONF=DIR/slurm.conf          # then sbatch/squeue/sinfo talk to it
#   bash tests/slurm/stop_cluster.sh DIR
#
# Everything lives under DIR: slurm.conf, a munge key and socket of its own (the system's munge,
# if any, is left alone), state, spool, logs, pid files and the job completion record
# DIR/jobcomp.txt (jobcomp/filetxt: there is no slurmdbd, so sacct has no accounting data).
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge packages. Exit status 3 means
# "SLURM cannot run here" (the test skips); any other failure is an error.
set -euo pipefail

DIR=${1:?usage: start_cluster.sh DIR}
CTLD_PORT=${GANREPRO_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${GANREPRO_SLURMD_PORT:-6818}

cannot_run() { echo "start_cluster.sh: SLURM cannot run here: $*" >&2; exit 3; }

for cmd in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol; do
    command -v "$cmd" >/dev/null || cannot_run "'$cmd' not found (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || cannot_run "the daemons run as root here (SlurmUser=root); run as root"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
mkdir -p "$DIR"/{munge,state,spool,log,run}
chmod 700 "$DIR/munge"
export SLURM_CONF=$DIR/slurm.conf

# srun inside each job must find slurm.conf at SLURM's default path: the executor plugin's job step
# (snakemake-executor-plugin-slurm-jobstep 0.6) drops every SLURM_* variable, SLURM_CONF included,
# from the environment of the srun it runs. A symlink, removed by stop_cluster.sh.
DEFAULT_CONF=/etc/slurm/slurm.conf
if [ -e "$DEFAULT_CONF" ] || [ -L "$DEFAULT_CONF" ]; then
    current=$(readlink "$DEFAULT_CONF" || true)
    if [ "$current" = "$SLURM_CONF" ]; then
        :
    elif [ -n "$current" ] && grep -qs "^# Written by tests/slurm/start_cluster.sh" "$DEFAULT_CONF"; then
        other=$(dirname "$current")
        if [ -s "$other/run/slurmctld.pid" ] && kill -0 "$(cat "$other/run/slurmctld.pid")" 2>/dev/null; then
            cannot_run "a test cluster is already running from $other (stop_cluster.sh $other)"
        fi
        rm -f "$DEFAULT_CONF"   # left over from a test cluster that was not stopped
    elif [ -L "$DEFAULT_CONF" ] && [ ! -e "$DEFAULT_CONF" ]; then
        rm -f "$DEFAULT_CONF"   # a dangling link from an earlier test cluster
    else
        cannot_run "$DEFAULT_CONF exists: this machine has a SLURM configuration of its own"
    fi
fi
# From here on, a failure stops whatever was started.
trap 'rc=$?; [ "$rc" = 0 ] || bash "$(dirname "$0")/stop_cluster.sh" "$DIR"' EXIT

# -- munge: a fresh key and a private socket ------------------------------------------------------
KEY=$DIR/munge/munge.key
SOCKET=$DIR/munge/munge.socket
if [ ! -s "$KEY" ]; then
    dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
fi
chmod 400 "$KEY"
munged --force --socket="$SOCKET" --key-file="$KEY" --pid-file="$DIR/run/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" 2>>"$DIR/log/munged.log"
for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
munge --socket="$SOCKET" -n | unmunge --socket="$SOCKET" >/dev/null \
    || { cat "$DIR/log/munged.log" >&2; echo "start_cluster.sh: munge does not work" >&2; exit 1; }

# -- slurm.conf ------------------------------------------------------------------------------------
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)  # a little below the total
cat >"$SLURM_CONF" <<EOF
# Written by tests/slurm/start_cluster.sh: one node ($HOST) that is also the controller.
ClusterName=ganrepro
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups in this container: track processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
# No slurmdbd: finished jobs go to a text file, one line each (JobId, Name, JobState, ExitCode...).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
# squeue keeps finished jobs this long, so snakemake's squeue status command sees them finish.
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

mkdir -p "$(dirname "$DEFAULT_CONF")"
ln -sfn "$SLURM_CONF" "$DEFAULT_CONF"

# -- daemons ---------------------------------------------------------------------------------------
slurmctld -c   # -c: a clean start, no jobs from an earlier run of this folder
slurmd

for _ in $(seq 60); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n1 || true)
    if [ "$state" = idle ]; then
        echo "$DIR: node $HOST idle ($CPUS CPUs, ${MEM_MB} MB); export SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 1
done
echo "start_cluster.sh: node not idle after 60 s (state: '${state:-none}'); logs:" >&2
tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
exit 1
