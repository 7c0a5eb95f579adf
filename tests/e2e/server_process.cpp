#include "tests/e2e/server_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "util/base64.hpp"
#include "util/child_process.hpp"
#include "util/proc_status.hpp"

namespace cua::test {

std::string server_binary() {
  if (const char* bin = std::getenv("CUA_SERVER_BIN"))
    return bin;
  return CUA_SERVER_BIN;
}

server_process::server_process(std::vector<std::string> args, std::vector<std::string> env,
                               std::optional<uid_t> run_as, std::vector<std::string> launcher) {
  // A server that died must fail the test with its stderr, not kill the test with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  char name[] = "/tmp/cua-e2e-stderr-XXXXXX";
  int err_fd = mkstemp(name);
  stderr_path_ = name;
  child_process::options how;
  how.argv = std::move(launcher);
  how.argv.push_back(server_binary());
  how.argv.insert(how.argv.end(), args.begin(), args.end());
  how.env = std::move(env);
  how.stderr_fd = err_fd;
  how.run_as = run_as;
  child_.emplace(how);
  close(err_fd);
}

server_process::~server_process() {
  child_.reset(); // kills it, if the test left it running
  // Under scripts/test-sanitizers the server reports what the sanitizers find on stderr.
  auto log = stderr_text();
  for (auto marker : {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "WARNING: ThreadSanitizer"})
    if (log.find(marker) != std::string::npos)
      ADD_FAILURE() << "the server's sanitizer report:\n" << log;
  std::remove(stderr_path_.c_str());
}

void server_process::send_line(const std::string& line) {
  if (!child_->write_all(line + "\n"))
    ADD_FAILURE() << "writing to the server failed: " << std::strerror(errno);
}

std::optional<nlohmann::json> server_process::next_message(std::chrono::milliseconds timeout) {
  return child_->next_message(timeout, [](const std::string& line) {
    ADD_FAILURE() << "stdout carried a non-JSON line: " << line;
  });
}

nlohmann::json server_process::start_request(const std::string& method, nlohmann::json params,
                                             nlohmann::json meta) {
  nlohmann::json id = next_id_++;
  if (!meta.is_null())
    params["_meta"] = meta;
  send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  return id;
}

nlohmann::json server_process::wait_response(const nlohmann::json& id,
                                             std::chrono::milliseconds timeout) {
  for (auto i = stray_.begin(); i != stray_.end(); ++i)
    if ((*i)["id"] == id) {
      auto found = *i;
      stray_.erase(i);
      return found;
    }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto message = next_message(std::max(left, std::chrono::milliseconds(0)));
    if (!message) {
      ADD_FAILURE() << "no response to request " << id.dump() << " within " << timeout.count()
                    << " ms; stderr:\n"
                    << stderr_text();
      return {};
    }
    if (!message->contains("id") || message->contains("method")) {
      notifications_.push_back(*message);
      continue;
    }
    if ((*message)["id"] == id)
      return *message;
    stray_.push_back(*message);
  }
}

nlohmann::json server_process::request(const std::string& method, nlohmann::json params,
                                       std::chrono::milliseconds timeout, nlohmann::json meta) {
  auto id = start_request(method, std::move(params), std::move(meta));
  return wait_response(id, timeout);
}

nlohmann::json server_process::initialize(const std::string& version, nlohmann::json capabilities) {
  auto response = request("initialize", {{"protocolVersion", version},
                                         {"capabilities", std::move(capabilities)},
                                         {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}});
  send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return response["result"];
}

nlohmann::json server_process::call_tool(const std::string& name, nlohmann::json arguments,
                                         std::chrono::milliseconds timeout) {
  return request("tools/call", {{"name", name}, {"arguments", arguments}}, timeout)["result"];
}

std::string server_process::raw_output(std::chrono::milliseconds timeout) {
  return child_->read_to_end(timeout);
}

void server_process::close_stdin() {
  child_->close_stdin();
}

std::optional<int> server_process::wait_exit(std::chrono::milliseconds timeout) {
  return child_->wait_exit(timeout);
}

std::vector<pid_t> server_process::children() const {
  std::vector<pid_t> out;
  for (auto [process, parent] : process_parents())
    if (parent == pid())
      out.push_back(process);
  return out;
}

std::vector<pid_t> server_process::descendants() const {
  auto out = with_descendants({pid()});
  out.erase(out.begin());
  return out;
}

std::vector<pid_t> server_process::descendants_named(const std::string& name) const {
  std::vector<pid_t> out;
  for (auto pid : descendants()) {
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string comm_name;
    std::getline(comm, comm_name);
    if (comm_name == name)
      out.push_back(pid);
  }
  return out;
}

std::string server_process::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string write_replay_script(const std::string& lines) {
  char name[] = "/tmp/cua-e2e-replay-XXXXXX";
  int fd = mkstemp(name);
  close(fd);
  std::ofstream(name) << lines;
  static std::vector<std::string> made;
  if (made.empty())
    std::atexit([] {
      for (auto& path : made)
        std::remove(path.c_str());
    });
  made.push_back(name);
  return name;
}

std::pair<int, int> png_size(const std::string& base64) {
  auto bytes = base64_decode(base64);
  if (!bytes || bytes->size() < 24)
    return {0, 0};
  auto be32 = [&](size_t at) {
    return ((*bytes)[at] << 24) | ((*bytes)[at + 1] << 16) | ((*bytes)[at + 2] << 8) | (*bytes)[at + 3];
  };
  return {be32(16), be32(20)};
}

} // namespace cua::test
