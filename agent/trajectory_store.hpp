#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

namespace cua {

/// Recorded tasks on disk, one folder per task under a root directory: task.json (the task and,
/// once it ends, how), steps.jsonl (one line per step, appended and flushed as the step ends, so
/// that a crash leaves a readable prefix) and each step's screenshots as PNG files. The whole
/// root is kept under a size bound by removing the oldest finished folders first.
class trajectory_store {
public:
  /// Records under `root` (made if missing), at most `max_bytes` in all (0: no bound).
  trajectory_store(std::string root, uint64_t max_bytes);

  /// Makes the folder of task `key` (its name: `key`, made safe for a file name) and writes its
  /// task.json from `record`; returns the folder or why it could not.
  caf::expected<std::string> begin(const std::string& key, const nlohmann::json& record);

  /// Writes step `step` (its "step" number) of task `key`: its screenshots as
  /// step-NNN-M.png, named in the line under "screenshots", then the line itself.
  caf::error add_step(const std::string& key, nlohmann::json step,
                      const std::vector<std::vector<uint8_t>>& screenshots);

  /// Rewrites task.json of task `key` with `outcome` merged in (atomically: a reader sees the
  /// old or the new file whole), and lets the folder be removed by the bound from now on.
  caf::error end(const std::string& key, const nlohmann::json& outcome);

  /// Returns the recorded tasks of `client` (their task.json names it), oldest first: per task its
  /// folder, task, status, start time and screenshots' file names.
  std::vector<nlohmann::json> list(const std::string& client) const;

  /// Returns the bytes of `file` (task.json, steps.jsonl or one of its step-NNN-M.png) of the
  /// task in `folder`, if that task is `client`'s; otherwise invalid_arguments saying no such
  /// recording (another client's is as unknown as a missing one).
  caf::expected<std::string> read(const std::string& client, const std::string& folder,
                                  const std::string& file) const;

  /// Returns the bytes the root holds now.
  uint64_t bytes() const { return bytes_; }

  /// Returns the folder name a key gets.
  static std::string folder_name(const std::string& key);

private:
  struct open_task {
    std::string dir;
    nlohmann::json record;
  };

  caf::error write_file(const std::string& path, const std::string& data, bool append);
  void enforce_bound();

  std::string root_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  std::map<std::string, open_task> open_; // by key: being written, never removed
};

} // namespace cua
