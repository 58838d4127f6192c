#include <gtest/gtest.h>

#include <fstream>

#include "core/config.h"
#include "core/error.h"
#include "../support/input_error.h"

using namespace synthview;

using synthview::test_support::input_error_message;

TEST(Config, DefaultsWhenYamlIsEmpty) {
  Config config = config_from_yaml("");
  EXPECT_EQ(config.train.batch_size, Config().train.batch_size);
  EXPECT_EQ(config.loss.name, "simclr");
}

TEST(Config, YamlThenOverridesInOrder) {
  Config config = config_from_yaml("train:\n  steps: 7\n  batch_size: 32\nviews:\n  sigma: 0.5\n",
                                   {"train.steps=9", "views.sigma=1.25", "train.steps=11", "run.dir=/tmp/x=y"});
  EXPECT_EQ(config.train.steps, 11);
  EXPECT_EQ(config.train.batch_size, 32);
  EXPECT_DOUBLE_EQ(config.views.sigma, 1.25);
  EXPECT_EQ(config.run.dir, "/tmp/x=y");  // only the first '=' splits key from value
}

TEST(Config, UnknownKeySuggestsNearest) {
  std::string message = input_error_message([] { config_from_yaml("", {"train.batch_sise=8"}); });
  EXPECT_NE(message.find("'train.batch_sise'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean train.batch_size?"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("optim:\n  learning_rate: 0.1\n", {}, "x.yaml"); });
  EXPECT_NE(message.find("'optim.learning_rate' in x.yaml"), std::string::npos) << message;

  // A right leaf under the wrong section points at the right section.
  message = input_error_message([] { config_from_yaml("model:\n  sigma: 0.1\n"); });
  EXPECT_NE(message.find("did you mean views.sigma?"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("", {"completely.unrelated_thing_here=1"}); });
  EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
}

TEST(Config, WrongTypeNamesKeyValueAndExpectedType) {
  std::string message = input_error_message([] { config_from_yaml("train:\n  batch_size: many\n"); });
  EXPECT_NE(message.find("'train.batch_size'"), std::string::npos) << message;
  EXPECT_NE(message.find("'many'"), std::string::npos) << message;
  EXPECT_NE(message.find("int >= 1"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("", {"views.sigma=0.2x"}); });
  EXPECT_NE(message.find("float >= 0"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("", {"augment.enabled=maybe"}); });
  EXPECT_NE(message.find("bool"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("", {"optim.name=adam"}); });
  EXPECT_NE(message.find("one of sgd|lars|adamw"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("train:\n  steps: [1, 2]\n"); });
  EXPECT_NE(message.find("got a list"), std::string::npos) << message;

  message = input_error_message([] { config_from_yaml("", {"train.steps=99999999999999999999"}); });
  EXPECT_NE(message.find("'train.steps'"), std::string::npos) << message;
}

TEST(Config, RangesAreChecked) {
  EXPECT_NE(input_error_message([] { config_from_yaml("", {"train.batch_size=0"}); }).find("int >= 1"),
            std::string::npos);
  EXPECT_NE(input_error_message([] { config_from_yaml("", {"loss.temperature=0"}); }).find("float > 0"),
            std::string::npos);
  EXPECT_NE(input_error_message([] { config_from_yaml("", {"augment.flip_prob=1.5"}); }).find("float in [0, 1]"),
            std::string::npos);
  EXPECT_NE(input_error_message([] { config_from_yaml("", {"views.sigma=nan"}); }).find("views.sigma"),
            std::string::npos);
  std::string message = input_error_message(
      [] { config_from_yaml("", {"augment.crop_scale_min=0.9", "augment.crop_scale_max=0.5"}); });
  EXPECT_NE(message.find("crop_scale_min (0.9)"), std::string::npos) << message;
}

TEST(Config, MalformedInputs) {
  EXPECT_NE(input_error_message([] { config_from_yaml("train: [\n"); }).find("not valid YAML"), std::string::npos);
  EXPECT_NE(input_error_message([] { config_from_yaml("- 1\n- 2\n"); }).find("expected a mapping"), std::string::npos);
  EXPECT_NE(input_error_message([] { config_from_yaml("", {"train.steps"}); }).find("expected key=value"),
            std::string::npos);
  EXPECT_NE(input_error_message([] { load_config("/nonexistent/x.yaml"); }).find("'/nonexistent/x.yaml'"),
            std::string::npos);
}

TEST(Config, YamlRoundTripKeepsEveryValue) {
  Config config = config_from_yaml("", {"seed=12345", "run.dir=out dir/with: colon", "views.sigma=0.1",
                                        "optim.lr=0.0003", "augment.enabled=false", "generator.path="});
  std::string yaml = config_to_yaml(config);
  Config reread = config_from_yaml(yaml);
  for (const auto& key : config_keys()) {
    EXPECT_EQ(get_config_value(reread, key.key), get_config_value(config, key.key)) << key.key;
  }
  EXPECT_EQ(reread.run.dir, "out dir/with: colon");
  EXPECT_DOUBLE_EQ(reread.optim.lr, 0.0003);
}

TEST(Config, EveryKeyHasTypeDescriptionAndValidDefault) {
  Config defaults;
  for (const auto& key : config_keys()) {
    EXPECT_FALSE(key.description.empty()) << key.key;
    EXPECT_FALSE(key.type.empty()) << key.key;
    EXPECT_EQ(get_config_value(defaults, key.key), key.default_value) << key.key;
    // The default must pass its own validation.
    Config copy;
    EXPECT_NO_THROW(set_config_value(copy, key.key, key.default_value)) << key.key;
  }
}

TEST(Config, ShippedConfigsLoad) {
  for (const char* name : {"demo.yaml", "fmnist.yaml"}) {
    std::string path = std::string(SYNTHVIEW_SOURCE_DIR) + "/configs/" + name;
    EXPECT_NO_THROW(load_config(path)) << path;
  }
}
