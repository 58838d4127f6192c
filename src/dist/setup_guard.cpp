#include "dist/setup_guard.h"

#include <chrono>
#include <map>

#include "core/error.h"
#include "dist/mpi_runtime.h"

namespace synthview::dist {

SetupDeadline::SetupDeadline(std::string what, double timeout_s, int rank) : what_(std::move(what)), rank_(rank) {
  if (timeout_s > 0) thread_ = std::thread([this, timeout_s] { watch(timeout_s); });
}

SetupDeadline::~SetupDeadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SetupDeadline::stage(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  stage_ = name;
}

void SetupDeadline::watch(double timeout_s) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  if (changed_.wait_until(lock, deadline, [this] { return done_; })) return;
  abort_job(str(what_, " did not finish within ", timeout_s, " s (dist.timeout_s) on rank ", rank_, " (host ",
                host_name(), "), during ", stage_, ": a peer died or stalled during setup"));
}

std::string shared_gpu_problem(const std::vector<std::string>& gpu_ids, const std::vector<int>& world_ranks,
                               const std::string& host, int visible_gpus) {
  SV_CHECK(gpu_ids.size() == world_ranks.size(), "shared_gpu_problem: ", gpu_ids.size(), " ids for ",
           world_ranks.size(), " ranks");
  std::map<std::string, std::vector<int>> ranks_by_gpu;
  for (size_t i = 0; i < gpu_ids.size(); ++i) ranks_by_gpu[gpu_ids[i]].push_back(world_ranks[i]);
  std::string shared;
  for (const auto& [gpu, ranks] : ranks_by_gpu) {
    if (ranks.size() < 2) continue;
    std::string names;
    for (int rank : ranks) names += str(names.empty() ? "" : ", ", rank);
    shared += str(shared.empty() ? "" : "; ", "ranks ", names, " share GPU ", gpu);
  }
  if (shared.empty()) return "";
  return str(gpu_ids.size(), " ranks on host ", host, " but ", ranks_by_gpu.size(), " distinct GPU(s) (", visible_gpus,
             " visible to each rank): ", shared,
             ". Start at most one rank per GPU (mpirun -np <GPUs per node> per host, or srun --gpus-per-task=1)");
}

void check_one_rank_per_gpu(MPI_Comm comm, const std::string& gpu_id, int visible_gpus) {
  int world_rank = 0;
  SV_MPI_CHECK(MPI_Comm_rank(comm, &world_rank));
  MPI_Comm local = MPI_COMM_NULL;
  SV_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, &local));
  int local_size = 1;
  const int size_status = MPI_Comm_size(local, &local_size);
  // Fixed-size records: the id (truncated to 63 bytes, NUL-padded) and the world rank.
  constexpr int kIdBytes = 64;
  std::vector<char> mine(kIdBytes, '\0');
  gpu_id.copy(mine.data(), kIdBytes - 1);
  std::vector<char> ids(static_cast<size_t>(kIdBytes) * local_size);
  std::vector<int> ranks(local_size);
  int status = size_status;
  if (status == MPI_SUCCESS) status = MPI_Allgather(mine.data(), kIdBytes, MPI_CHAR, ids.data(), kIdBytes, MPI_CHAR, local);
  if (status == MPI_SUCCESS) status = MPI_Allgather(&world_rank, 1, MPI_INT, ranks.data(), 1, MPI_INT, local);
  MPI_Comm_free(&local);
  SV_MPI_CHECK(status);
  std::vector<std::string> gpu_ids;
  for (int i = 0; i < local_size; ++i) gpu_ids.emplace_back(ids.data() + static_cast<size_t>(i) * kIdBytes);
  const std::string problem = shared_gpu_problem(gpu_ids, ranks, host_name(), visible_gpus);
  if (!problem.empty()) throw InputError(problem);
}

}  // namespace synthview::dist
