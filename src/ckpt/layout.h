// Group paths of the checkpoint layout (checkpoint.h), shared by the writer and the readers.
#pragma once

namespace synthview::ckpt::layout {

inline constexpr const char* kFormatTag = "synthview-checkpoint";
inline constexpr const char* kMeta = "/meta";
inline constexpr const char* kConfig = "/config";
inline constexpr const char* kTrain = "/train";
inline constexpr const char* kHistory = "/train/history";
inline constexpr const char* kEncoder = "/model/encoder";
inline constexpr const char* kHead = "/model/head";
inline constexpr const char* kEncoderBuffers = "/model/buffers/encoder";
inline constexpr const char* kHeadBuffers = "/model/buffers/head";
inline constexpr const char* kOptim = "/optim";
inline constexpr const char* kRng = "/rng";

// Every group a checkpoint has, even when empty (verify checks them).
inline constexpr const char* kRequiredGroups[] = {kMeta,    kConfig,        kTrain,       kHistory, kEncoder,
                                                  kHead,    kEncoderBuffers, kHeadBuffers, kOptim,   kRng};

}  // namespace synthview::ckpt::layout
