#include "gen/image_grid.h"

#include <png.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/error.h"

namespace synthview::gen {
namespace {

struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

// libpng's default handlers print to stderr; ours stay quiet and leave the report to the exception.
void quiet_error(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void quiet_warning(png_structp, png_const_charp) {}

void append_bytes(png_structp png, png_bytep data, png_size_t size) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), size);
}

}  // namespace

torch::Tensor tile_grid(const torch::Tensor& images, int64_t pad) {
  SV_CHECK(images.dim() == 5, "grid images must be [rows, cols, C, H, W], got ", images.sizes());
  const int64_t rows = images.size(0), cols = images.size(1), channels = images.size(2);
  const int64_t height = images.size(3), width = images.size(4);
  torch::Tensor pixels = ((images.detach().cpu().to(torch::kFloat32).clamp(-1, 1) + 1) * 127.5).round().to(torch::kUInt8);
  torch::Tensor grid = torch::full({rows * (height + pad) + pad, cols * (width + pad) + pad, channels}, 255,
                                   torch::kUInt8);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      grid.narrow(0, pad + r * (height + pad), height)
          .narrow(1, pad + c * (width + pad), width)
          .copy_(pixels[r][c].permute({1, 2, 0}));
    }
  }
  return grid;
}

std::string encode_png(const torch::Tensor& image) {
  SV_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8 && (image.size(2) == 1 || image.size(2) == 3),
           "PNG image must be uint8 [H, W, 1|3], got ", image.sizes(), " ", image.scalar_type());
  torch::Tensor data = image.contiguous();
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, quiet_error, quiet_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, nullptr);
    throw Error("libpng: cannot allocate a writer");
  }
  std::string bytes;
  std::vector<png_bytep> rows(data.size(0));
  for (int64_t y = 0; y < data.size(0); ++y) rows[y] = data[y].data_ptr<uint8_t>();
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error(synthview::str("libpng failed to encode a ", data.size(1), "x", data.size(0), " image"));
  }
  png_set_write_fn(png, &bytes, append_bytes, nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(data.size(1)), static_cast<png_uint_32>(data.size(0)), 8,
               data.size(2) == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return bytes;
}

void write_png(const std::string& path, const torch::Tensor& image) {
  const std::string bytes = encode_png(image);
  FilePtr file(std::fopen(path.c_str(), "wb"));
  if (!file) throw Error(synthview::str("cannot open '", path, "' for writing"));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size() || std::fflush(file.get()) != 0) {
    throw Error(synthview::str("cannot write '", path, "'"));
  }
}

torch::Tensor read_png(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) throw InputError(synthview::str("cannot open PNG '", path, "'"));
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, quiet_error, quiet_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw Error("libpng: cannot allocate a reader");
  }
  torch::Tensor image;
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InputError(synthview::str("'", path, "' is not a readable PNG file"));
  }
  png_init_io(png, file.get());
  png_read_info(png, info);
  const int color = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) != 8 || (color != PNG_COLOR_TYPE_GRAY && color != PNG_COLOR_TYPE_RGB)) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InputError(synthview::str("PNG '", path, "' is not 8-bit gray or RGB"));
  }
  const int64_t height = png_get_image_height(png, info), width = png_get_image_width(png, info);
  image = torch::empty({height, width, color == PNG_COLOR_TYPE_RGB ? 3 : 1}, torch::kUInt8);
  rows.resize(height);
  for (int64_t y = 0; y < height; ++y) rows[y] = image[y].data_ptr<uint8_t>();
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

}  // namespace synthview::gen
