// Hostile config input (docs/reliability.md): stated size limits, alias cycles, keys that are not names.
// Each case must end in an InputError whose message names the value at fault and what was expected.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/config.h"
#include "core/error.h"
#include "../support/input_error.h"

using namespace synthview;
using synthview::test_support::input_error_message;

TEST(ConfigLimits, OverlongValueIsRefusedAndNotEchoedWhole) {
  const std::string value(5000, 'x');
  std::string message = input_error_message([&] { config_from_yaml("", {"run.dir=" + value}); });
  EXPECT_NE(message.find("'run.dir': value of 5000 characters is too long (the limit is 4096)"), std::string::npos)
      << message;
  message = input_error_message([&] { config_from_yaml("run:\n  dir: " + value + "\n"); });
  EXPECT_NE(message.find("value of 5000 characters"), std::string::npos) << message;
  // A bad value is cut in the message, so the error stays one readable line.
  message = input_error_message([&] { config_from_yaml("", {"train.steps=" + std::string(300, '9')}); });
  EXPECT_NE(message.find("... (300 characters)"), std::string::npos) << message;
  EXPECT_LT(message.size(), 300u) << message;
}

TEST(ConfigLimits, OverlongYamlTextIsRefusedBeforeParsing) {
  const std::string yaml = "# " + std::string(size_t(1) << 20, 'x') + "\n";
  const std::string message = input_error_message([&] { config_from_yaml(yaml, {}, "big.yaml"); });
  EXPECT_NE(message.find("big.yaml: config of 1048579 bytes is too large (the limit is 1048576 bytes"),
            std::string::npos)
      << message;
}

TEST(ConfigLimits, ConfigFileIsSizedBeforeItIsRead) {
  // /dev/zero never ends: reading it first would exhaust memory.
  std::string message = input_error_message([] { load_config("/dev/zero"); });
  EXPECT_NE(message.find("config file '/dev/zero' is not a regular file"), std::string::npos) << message;
  const auto path = std::filesystem::temp_directory_path() / ("synthview-big-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << std::string(2000000, '#');
  message = input_error_message([&] { load_config(path.string()); });
  EXPECT_NE(message.find("is 2000000 bytes (expected a YAML file of at most 1048576 bytes)"), std::string::npos)
      << message;
  std::filesystem::remove(path);
}

TEST(ConfigLimits, AliasCycleEndsAtTheFirstKeyThatIsNotASection) {
  // yaml-cpp resolves `*x` to the mapping being defined: descending into it would never end.
  std::string message = input_error_message([] { config_from_yaml("train: &x\n  again: *x\n", {}, "c.yaml"); });
  EXPECT_NE(message.find("unknown config key 'train.again' in c.yaml"), std::string::npos) << message;
  // An alias bomb under a leaf key: one list, refused without expanding it.
  message = input_error_message([] {
    config_from_yaml("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "train:\n  steps: [*b, *b, *b, *b, *b, *b, *b, *b]\n");
  });
  EXPECT_NE(message.find("unknown config key 'a'"), std::string::npos) << message;
  message = input_error_message([] { config_from_yaml("train:\n  steps: &a [x, x]\n  batch_size: [*a, *a]\n"); });
  EXPECT_NE(message.find("'train.steps' in <yaml>: got a list"), std::string::npos) << message;
}

TEST(ConfigLimits, MappingUnderALeafAndNonScalarKeys) {
  std::string message = input_error_message([] { config_from_yaml("train:\n  steps:\n    a: 1\n", {}, "c.yaml"); });
  EXPECT_NE(message.find("config key 'train.steps' in c.yaml: got a mapping (expected int >= 1)"), std::string::npos)
      << message;
  message = input_error_message([] { config_from_yaml("train:\n  ? [a, b]\n  : 1\n", {}, "c.yaml"); });
  EXPECT_NE(message.find("c.yaml: a config key under 'train' is not a plain name"), std::string::npos) << message;
}

TEST(ConfigLimits, HugeUnknownKeyGetsNoSuggestionAndAShortMessage) {
  const std::string key = "train." + std::string(100000, 'q');
  const std::string message = input_error_message([&] { config_from_yaml("", {key + "=1"}); });
  EXPECT_NE(message.find("(100006 characters)"), std::string::npos) << message;
  EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
  EXPECT_LT(message.size(), 300u);
}
