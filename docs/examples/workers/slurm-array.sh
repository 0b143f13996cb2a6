#!/bin/bash
# Slurm: one calf worker per array task, each using every CPU Slurm gave it
# as slots (never one task per datum). Submit with:
#   sbatch --array=0-15 slurm-array.sh
# Workers stop at the time limit (Slurm sends SIGTERM first: the worker gives
# back what it had not finished, so no datum waits for a lease to lapse).
#SBATCH --job-name=calf-worker
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --signal=TERM@60
#SBATCH --output=calf-worker-%A_%a.log
set -euo pipefail

# The token and (for an S3 store) the AWS_* variables come from a file only you can read.
source "$HOME/.config/calf/worker.env"   # CALF_API_TOKEN=..., CALF_JOIN=http://login1:7070
: "${CALF_JOIN:?set CALF_JOIN to the address of calf serve}"

work="${TMPDIR:-/tmp}/calf-worker-${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}"
trap 'rm -rf "$work"' EXIT
# exec: Slurm's SIGTERM reaches calf itself.
exec calf worker --join "$CALF_JOIN" --slots "${SLURM_CPUS_PER_TASK:-1}" --work-dir "$work" \
  --name "slurm-${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}" --pipelines "$HOME/project/pipelines"
