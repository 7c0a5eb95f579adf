// Recorded tasks on disk: what a task's folder holds after each call, the size bound, and names.

#include "agent/trajectory_store.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

using namespace cua;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<uint8_t> bytes(size_t n, uint8_t value) {
  return std::vector<uint8_t>(n, value);
}

} // namespace

TEST(trajectory_store, a_task_folder_holds_its_record_its_steps_and_their_screenshots) {
  test::temp_dir root{"cua-trajectory-test"};
  trajectory_store store(root.path.string(), 0);
  auto dir = store.begin("t1", {{"task", "open the menu"}, {"status", "running"}});
  ASSERT_TRUE(dir) << caf::to_string(dir.error());
  EXPECT_EQ(json::parse(test::read_whole_file(*dir + "/task.json"))["status"], "running");
  ASSERT_FALSE(store.add_step("t1", {{"step", 1}, {"text", "clicking"}}, {bytes(10, 1), bytes(20, 2)}));
  ASSERT_FALSE(store.add_step("t1", {{"step", 2}, {"text", "done"}}, {}));
  // Before the end: a prefix a reader can use (what a crash leaves).
  std::istringstream lines(test::read_whole_file(*dir + "/steps.jsonl"));
  std::string line;
  std::vector<json> steps;
  while (std::getline(lines, line))
    steps.push_back(json::parse(line));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["screenshots"], json::array({"step-001-1.png", "step-001-2.png"}));
  EXPECT_EQ(steps[1]["screenshots"], json::array());
  EXPECT_EQ(test::read_whole_file(*dir + "/step-001-2.png"), std::string(20, '\2'));
  ASSERT_FALSE(store.end("t1", {{"status", "completed"}, {"steps", 2}}));
  auto record = json::parse(test::read_whole_file(*dir + "/task.json"));
  EXPECT_EQ(record["status"], "completed");
  EXPECT_EQ(record["task"], "open the menu") << "the end adds to the record";
  EXPECT_FALSE(fs::exists(*dir + "/task.json.part"));
  EXPECT_EQ(store.bytes(), [&] {
    uint64_t total = 0;
    for (const auto& f : fs::recursive_directory_iterator(root.path))
      if (f.is_regular_file())
        total += f.file_size();
    return total;
  }());
  EXPECT_TRUE(store.add_step("t1", {{"step", 3}}, {})) << "an ended task takes no more steps";
}

TEST(trajectory_store, the_bound_removes_the_oldest_finished_tasks_and_never_one_being_written) {
  test::temp_dir root{"cua-trajectory-test"};
  trajectory_store store(root.path.string(), 10'000);
  ASSERT_TRUE(store.begin("running", {{"n", 0}}));
  ASSERT_FALSE(store.add_step("running", {{"step", 1}}, {bytes(4'000, 7)}));
  for (auto key : {"old", "newer"}) {
    ASSERT_TRUE(store.begin(key, {{"n", 1}}));
    ASSERT_FALSE(store.add_step(key, {{"step", 1}}, {bytes(3'000, 1)}));
    ASSERT_FALSE(store.end(key, {{"status", "completed"}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // distinct modification times
  }
  // 4000 + 2 x 3000 and the small files: over the bound once "newer" ends; "old" goes.
  EXPECT_FALSE(fs::exists(root.path / "old"));
  EXPECT_TRUE(fs::exists(root.path / "newer"));
  EXPECT_TRUE(fs::exists(root.path / "running"));
  ASSERT_FALSE(store.add_step("running", {{"step", 2}}, {bytes(8'000, 7)}));
  EXPECT_FALSE(fs::exists(root.path / "newer"));
  EXPECT_TRUE(fs::exists(root.path / "running")) << "a task being written is never removed";
}

TEST(trajectory_store, keys_become_safe_folder_names) {
  EXPECT_EQ(trajectory_store::folder_name("2026-12-06T01:17:24.876Z-s1-task1"),
            "2026-12-06T01_17_24.876Z-s1-task1");
  EXPECT_EQ(trajectory_store::folder_name("../../etc"), "_.._.._etc");
  EXPECT_EQ(trajectory_store::folder_name("a/b c"), "a_b_c");
  EXPECT_EQ(trajectory_store::folder_name(""), "_");
}

TEST(trajectory_store, a_client_lists_and_reads_only_its_own_recordings_and_nothing_outside) {
  test::temp_dir root{"cua-trajectory-test"};
  trajectory_store store(root.path.string(), 0);
  ASSERT_TRUE(store.begin("mine", {{"task", "a"}, {"client", "c1"}, {"started_at", "2026-01-01T00:00:00.000Z"}}));
  ASSERT_FALSE(store.add_step("mine", {{"step", 1}}, {bytes(10, 1)}));
  ASSERT_TRUE(store.begin("theirs", {{"task", "b"}, {"client", "c2"}, {"started_at", "2026-01-01T00:00:01.000Z"}}));
  auto listed = store.list("c1");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["folder"], "mine");
  EXPECT_EQ(listed[0]["screenshots"], json::array({"step-001-1.png"}));
  EXPECT_TRUE(store.list("c3").empty());
  auto record = store.read("c1", "mine", "task.json");
  ASSERT_TRUE(record);
  EXPECT_EQ(json::parse(*record)["task"], "a");
  auto picture = store.read("c1", "mine", "step-001-1.png");
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->size(), 10u);
  EXPECT_TRUE(store.read("c1", "mine", "steps.jsonl"));
  // Another client's recording, other files, and names that climb out are all unknown.
  EXPECT_FALSE(store.read("c1", "theirs", "task.json"));
  EXPECT_FALSE(store.read("c2", "mine", "task.json"));
  EXPECT_FALSE(store.read("c1", "mine", "../theirs/task.json"));
  EXPECT_FALSE(store.read("c1", "..", "task.json"));
  EXPECT_FALSE(store.read("c1", "mine", "other.txt"));
  EXPECT_FALSE(store.read("c1", "mine", "step-009-1.png"));
  EXPECT_FALSE(store.read("c1", "", "task.json"));
}
