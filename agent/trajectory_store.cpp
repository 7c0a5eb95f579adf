#include "agent/trajectory_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "messages/errors.hpp"
#include "util/json_text.hpp"
#include "util/write_all.hpp"

namespace cua {

namespace fs = std::filesystem;

namespace {

caf::error failed(const std::string& what) {
  return make_error(errc::internal, "trajectory: " + what);
}

uint64_t size_of_tree(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_regular_file(ec))
      total += it->file_size(ec);
  return total;
}

std::string step_file(int64_t step, size_t index) {
  char name[48];
  std::snprintf(name, sizeof(name), "step-%03lld-%zu.png", static_cast<long long>(step),
                index + 1);
  return name;
}

// Returns the whole file at `path`, or nothing.
std::optional<std::string> slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Whether `name` is one of the files a recording holds (nothing that climbs out of its folder).
bool recording_file(const std::string& name) {
  static const std::regex screenshot{R"(step-\d{3,}-\d+\.png)"};
  return name == "task.json" || name == "steps.jsonl" || std::regex_match(name, screenshot);
}

} // namespace

trajectory_store::trajectory_store(std::string root, uint64_t max_bytes)
  : root_(std::move(root)), max_bytes_(max_bytes) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  bytes_ = size_of_tree(root_);
}

std::string trajectory_store::folder_name(const std::string& key) {
  std::string out;
  for (char ch : key)
    out += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'
             ? ch
             : '_';
  if (out.empty() || out[0] == '.')
    out.insert(out.begin(), '_');
  return out.substr(0, 200);
}

caf::error trajectory_store::write_file(const std::string& path, const std::string& data,
                                        bool append) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
                  0640);
  if (fd < 0)
    return failed("cannot open " + path + ": " + std::strerror(errno));
  bool ok = write_all(fd, data.data(), data.size());
  ::close(fd);
  if (!ok)
    return failed("cannot write " + path + ": " + std::strerror(errno));
  bytes_ += data.size();
  return {};
}

caf::expected<std::string> trajectory_store::begin(const std::string& key,
                                                   const nlohmann::json& record) {
  auto dir = root_ + "/" + folder_name(key);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return failed("cannot make " + dir + ": " + ec.message());
  if (auto err = write_file(dir + "/task.json", record.dump(2) + "\n", false))
    return err;
  open_[key] = open_task{dir, record};
  enforce_bound();
  return dir;
}

caf::error trajectory_store::add_step(const std::string& key, nlohmann::json step,
                                      const std::vector<std::vector<uint8_t>>& screenshots) {
  auto i = open_.find(key);
  if (i == open_.end())
    return failed("no task " + key + " is being recorded");
  auto number = step.value("step", int64_t{0});
  auto names = nlohmann::json::array();
  for (size_t n = 0; n < screenshots.size(); ++n) {
    auto name = step_file(number, n);
    const auto& png = screenshots[n];
    if (auto err = write_file(i->second.dir + "/" + name,
                              std::string(png.begin(), png.end()), false))
      return err;
    names.push_back(name);
  }
  step["screenshots"] = std::move(names);
  // One write per line, appended: a crash leaves whole lines behind.
  auto err = write_file(i->second.dir + "/steps.jsonl", json_text(step) + "\n", true);
  enforce_bound();
  return err;
}

caf::error trajectory_store::end(const std::string& key, const nlohmann::json& outcome) {
  auto i = open_.find(key);
  if (i == open_.end())
    return failed("no task " + key + " is being recorded");
  auto record = i->second.record;
  record.update(outcome);
  auto dir = i->second.dir;
  open_.erase(i);
  auto temp = dir + "/task.json.part";
  if (auto err = write_file(temp, record.dump(2) + "\n", false))
    return err;
  std::error_code ec;
  auto old_size = fs::file_size(dir + "/task.json", ec);
  if (std::rename(temp.c_str(), (dir + "/task.json").c_str()) != 0)
    return failed("cannot replace " + dir + "/task.json: " + std::strerror(errno));
  if (!ec)
    bytes_ -= std::min(bytes_, static_cast<uint64_t>(old_size));
  enforce_bound();
  return {};
}

void trajectory_store::enforce_bound() {
  if (max_bytes_ == 0 || bytes_ <= max_bytes_)
    return;
  std::vector<std::pair<fs::file_time_type, fs::path>> finished;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!entry.is_directory(ec))
      continue;
    bool writing = std::any_of(open_.begin(), open_.end(), [&](const auto& o) {
      return fs::path(o.second.dir).filename() == entry.path().filename();
    });
    if (!writing)
      finished.emplace_back(fs::last_write_time(entry.path() / "task.json", ec), entry.path());
  }
  std::sort(finished.begin(), finished.end());
  for (const auto& [when, dir] : finished) {
    if (bytes_ <= max_bytes_)
      break;
    auto size = size_of_tree(dir);
    fs::remove_all(dir, ec);
    if (!ec)
      bytes_ -= std::min(bytes_, size);
  }
}

} // namespace cua

namespace cua {

std::vector<nlohmann::json> trajectory_store::list(const std::string& client) const {
  std::vector<nlohmann::json> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!entry.is_directory(ec))
      continue;
    auto text = slurp(entry.path() / "task.json");
    auto record = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json{};
    if (!record.is_object() || record.value("client", std::string{}) != client)
      continue;
    std::vector<std::string> screenshots;
    for (const auto& file : fs::directory_iterator(entry.path(), ec)) {
      auto name = file.path().filename().string();
      if (name != "task.json" && name != "steps.jsonl" && recording_file(name))
        screenshots.push_back(name);
    }
    std::sort(screenshots.begin(), screenshots.end());
    out.push_back({{"folder", entry.path().filename().string()},
                   {"task", record.value("task", "")},
                   {"status", record.value("status", "")},
                   {"started_at", record.value("started_at", "")},
                   {"screenshots", screenshots}});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a["started_at"] < b["started_at"]
           || (a["started_at"] == b["started_at"] && a["folder"] < b["folder"]);
  });
  return out;
}

caf::expected<std::string> trajectory_store::read(const std::string& client,
                                                  const std::string& folder,
                                                  const std::string& file) const {
  auto unknown = make_error(errc::invalid_arguments, "no recording " + folder + "/" + file);
  if (folder.empty() || folder != folder_name(folder) || !recording_file(file))
    return unknown;
  auto dir = fs::path{root_} / folder;
  auto text = slurp(dir / "task.json");
  auto record = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json{};
  if (!record.is_object() || record.value("client", std::string{}) != client)
    return unknown;
  if (file == "task.json")
    return *text;
  auto bytes = slurp(dir / file);
  if (!bytes)
    return file == "steps.jsonl" ? std::string{} : caf::expected<std::string>{unknown};
  return *bytes;
}

} // namespace cua
