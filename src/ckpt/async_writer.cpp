#include "ckpt/async_writer.h"

#include <utility>

#include "h5/image_buffer.h"

namespace synthview::ckpt {

AsyncCheckpointWriter::AsyncCheckpointWriter(WriteFn write, bool background)
    : write_(std::move(write)), background_(background) {
  if (!write_) {
    image_ = std::make_unique<h5::ImageBuffer>();
    write_ = [image = image_.get()](const std::string& path, const Checkpoint& checkpoint) {
      write_checkpoint(path, checkpoint, *image);
    };
  }
}

AsyncCheckpointWriter::~AsyncCheckpointWriter() {
  if (thread_.joinable()) thread_.join();
}

void AsyncCheckpointWriter::start(std::string path, Checkpoint checkpoint, AfterWrite after_write) {
  wait();
  path_ = path;
  done_.store(false, std::memory_order_relaxed);
  started_ = true;
  // The checkpoint moves into the job and is freed there, after its write.
  auto job = [this, path = std::move(path), checkpoint = std::move(checkpoint),
              after_write = std::move(after_write)]() mutable {
    try {
      write_(path, checkpoint);
      if (after_write) after_write(path);
    } catch (...) {
      error_ = std::current_exception();
    }
    checkpoint = Checkpoint();
    done_.store(true, std::memory_order_release);
  };
  if (background_) {
    thread_ = std::thread(std::move(job));
  } else {
    job();
  }
}

void AsyncCheckpointWriter::wait() {
  if (!started_) return;
  if (thread_.joinable()) thread_.join();
  started_ = false;
  std::exception_ptr error = std::exchange(error_, nullptr);
  if (error) std::rethrow_exception(error);
}

torch::Tensor host_copy(const torch::Tensor& tensor) {
  // copy=true: a new buffer even when the tensor already is a contiguous CPU tensor.
  return tensor.detach().to(torch::TensorOptions().device(torch::kCPU), /*non_blocking=*/false, /*copy=*/true,
                            torch::MemoryFormat::Contiguous);
}

NamedTensors host_copies(const NamedTensors& tensors) {
  NamedTensors copies;
  copies.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) copies.emplace_back(name, host_copy(tensor));
  return copies;
}

}  // namespace synthview::ckpt
