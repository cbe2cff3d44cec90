"""What the MPI tests share: their command line, a clean scratch directory, OpenMPI's
environment on these machines, and mpirun/calf runners that check the exit code.

Usage of a test: <test>.py <calf> <scratch dir> <case> <mpiexec> <numproc flag> [preflags...]"""
import os
import pathlib
import shutil
import subprocess
import sys

CALF, _work, CASE, MPIEXEC, NP_FLAG = sys.argv[1:6]
PREFLAGS = sys.argv[6:]
WORK = pathlib.Path(_work)
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
# OpenMPI on these machines: root, more ranks than cores, no CMA in containers (set here,
# not globally); ranks use OpenMP, so no core binding
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none",
           OMP_NUM_THREADS="1")


def mpirun_command(ranks, *args):
    return [MPIEXEC, NP_FLAG, str(ranks), *PREFLAGS, "--bind-to", "none", *map(str, args)]


def mpirun(ranks, *args, expect=0, timeout=300, cwd=None):
    cmd = mpirun_command(ranks, *args)
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=timeout, cwd=cwd)
    assert r.returncode == expect, f"{cmd}: exit {r.returncode}, expected {expect}\n{r.stderr}"
    return r


def calf(*args, expect=0, timeout=300):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       env=ENV)
    assert r.returncode == expect, f"calf {args}: exit {r.returncode}, expected {expect}\n{r.stderr}"
    return r
