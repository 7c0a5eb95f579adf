#include "agent/replay_script.hpp"

#include <gtest/gtest.h>

#include "messages/errors.hpp"

using namespace cua;

TEST(replay_script, reads_turns_and_actions) {
  auto turns = parse_replay_script(
    "{\"text\":\"look\",\"actions\":[{\"action\":\"screenshot\"}]}\n\n"
    "{\"text\":\"done\"}\n");
  ASSERT_TRUE(turns) << describe(turns.error());
  ASSERT_EQ(turns->size(), 2u);
  EXPECT_EQ((*turns)[0].text, "look");
  ASSERT_EQ((*turns)[0].actions.size(), 1u);
  EXPECT_EQ((*turns)[0].actions[0].input_json, "{\"action\":\"screenshot\"}");
  EXPECT_NE((*turns)[0].actions[0].call_id, "");
  EXPECT_TRUE((*turns)[1].actions.empty());
}

TEST(replay_script, names_the_bad_line) {
  auto turns = parse_replay_script("{\"text\":\"ok\"}\nnot json\n");
  ASSERT_FALSE(turns);
  EXPECT_NE(describe(turns.error()).find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_replay_script("{\"actions\":5}"));
  EXPECT_FALSE(parse_replay_script("{\"actions\":[5]}"));
  EXPECT_FALSE(parse_replay_script("\n\n"));
  EXPECT_FALSE(load_replay_script("/nonexistent/script.jsonl"));
}
