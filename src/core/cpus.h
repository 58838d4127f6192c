// How many CPUs this process may run on: its affinity mask (what taskset, Slurm's cpusets and
// mpirun --bind-to give it), not the machine's core count.
#pragma once

namespace synthview {

int usable_cpus();

}  // namespace synthview
