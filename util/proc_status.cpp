#include "util/proc_status.hpp"

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>

namespace cua {

long proc_status_field(pid_t pid, const std::string& name) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(name + ":", 0) == 0)
      return std::stol(line.substr(name.size() + 1));
  return -1;
}

std::vector<std::string> proc_stat_fields(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  // The command name in parentheses may hold spaces and parentheses itself.
  auto close_paren = text.rfind(')');
  std::vector<std::string> fields;
  if (close_paren == std::string::npos)
    return fields;
  std::istringstream rest(text.substr(close_paren + 1));
  for (std::string field; rest >> field;)
    fields.push_back(std::move(field));
  return fields;
}

std::vector<std::pair<pid_t, pid_t>> process_parents() {
  std::vector<std::pair<pid_t, pid_t>> out;
  auto* dir = opendir("/proc");
  if (dir == nullptr)
    return out;
  while (auto* entry = readdir(dir)) {
    auto pid = std::atoi(entry->d_name);
    if (pid <= 0)
      continue;
    auto fields = proc_stat_fields(pid);
    if (fields.size() > 1)
      out.emplace_back(pid, static_cast<pid_t>(std::atol(fields[1].c_str())));
  }
  closedir(dir);
  return out;
}

std::vector<pid_t> with_descendants(std::vector<pid_t> roots) {
  return with_descendants(std::move(roots), process_parents());
}

std::vector<pid_t> with_descendants(std::vector<pid_t> roots,
                                    const std::vector<std::pair<pid_t, pid_t>>& parents) {
  for (size_t i = 0; i < roots.size(); ++i)
    for (auto [pid, parent] : parents)
      if (parent == roots[i] && std::find(roots.begin(), roots.end(), pid) == roots.end())
        roots.push_back(pid);
  return roots;
}

} // namespace cua
