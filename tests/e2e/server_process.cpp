#include "tests/e2e/server_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "util/base64.hpp"
#include "util/proc_status.hpp"

namespace cua::test {

std::string server_binary() {
  if (const char* bin = std::getenv("CUA_SERVER_BIN"))
    return bin;
  return CUA_SERVER_BIN;
}

server_process::server_process(std::vector<std::string> args, std::vector<std::string> env,
                               std::optional<uid_t> run_as) {
  // A server that died must fail the test with its stderr, not kill the test with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  char name[] = "/tmp/cua-e2e-stderr-XXXXXX";
  int err_fd = mkstemp(name);
  stderr_path_ = name;
  auto binary = server_binary();
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err_fd, 2);
    // Nothing else of the test process (a fake server's listening socket) may live on in the
    // server: it would keep that port open after the test closed it.
    close_range(3, ~0U, 0);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env)
      putenv(const_cast<char*>(e.c_str()));
    if (run_as && (setgroups(0, nullptr) != 0 || setresgid(*run_as, *run_as, *run_as) != 0
                   || setresuid(*run_as, *run_as, *run_as) != 0))
      _exit(126);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err_fd);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  reader_ = fd_line_reader(stdout_fd_);
}

server_process::~server_process() {
  if (!exit_code_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // Under scripts/test-sanitizers the server reports what the sanitizers find on stderr.
  auto log = stderr_text();
  for (auto marker : {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "WARNING: ThreadSanitizer"})
    if (log.find(marker) != std::string::npos)
      ADD_FAILURE() << "the server's sanitizer report:\n" << log;
  if (stdin_fd_ >= 0)
    close(stdin_fd_);
  if (stdout_fd_ >= 0)
    close(stdout_fd_);
  std::remove(stderr_path_.c_str());
}

void server_process::send_line(const std::string& line) {
  std::string data = line + "\n";
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    auto n = write(stdin_fd_, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      ADD_FAILURE() << "writing to the server failed: " << std::strerror(errno);
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::optional<nlohmann::json> server_process::next_message(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto line = reader_.next_line(std::max(left, std::chrono::milliseconds(0)));
    if (!line)
      return std::nullopt;
    auto message = nlohmann::json::parse(*line, nullptr, false);
    EXPECT_FALSE(message.is_discarded()) << "stdout carried a non-JSON line: " << *line;
    if (!message.is_discarded())
      return message;
  }
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
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text = reader_.take_buffer();
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0)
      continue;
    char chunk[65536];
    auto n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0)
      break;
    text.append(chunk, static_cast<size_t>(n));
  }
  return text;
}

void server_process::close_stdin() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

std::optional<int> server_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_)
    return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    auto r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}


std::vector<pid_t> server_process::children() const {
  std::vector<pid_t> out;
  for (auto [pid, parent] : process_parents())
    if (parent == pid_)
      out.push_back(pid);
  return out;
}

std::vector<pid_t> server_process::descendants() const {
  auto out = with_descendants({pid_});
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
