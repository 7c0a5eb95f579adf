// TLS to a computer-server: certificate and host name verification, against `openssl s_server`
// serving GET /status with a certificate made for the test.

#include "computers/cua_channel.hpp"

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "messages/errors.hpp"
#include "tests/support/loopback_ports.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

// A TLS server with a self-signed certificate for `names` (a subjectAltName list), answering
// GET /status with {"status":"ok"}. Stopped, and its files removed, when it goes.
class tls_status_server {
public:
  explicit tls_status_server(const std::string& names) {
    char dir[] = "/tmp/cua-tls-XXXXXX";
    dir_ = mkdtemp(dir);
    std::ofstream(dir_ + "/status") << R"({"status":"ok","os_type":"linux"})";
    auto made = std::system(("cd " + dir_ + " && openssl req -x509 -newkey rsa:2048 -nodes -days 1"
                             " -subj /CN=cua-test -addext subjectAltName=" + names
                             + " -keyout key.pem -out cert.pem >/dev/null 2>&1")
                              .c_str());
    if (made != 0)
      throw std::runtime_error("openssl req failed");
    port_ = test::unused_loopback_port();
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      if (chdir(dir_.c_str()) != 0)
        _exit(127);
      auto accept = "127.0.0.1:" + std::to_string(port_);
      execlp("openssl", "openssl", "s_server", "-quiet", "-accept", accept.c_str(), "-cert",
             "cert.pem", "-key", "key.pem", "-WWW", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && !test::loopback_port_accepts(port_); ++i)
      std::this_thread::sleep_for(50ms);
  }

  ~tls_status_server() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    std::system(("rm -rf " + dir_).c_str());
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string certificate() const { return dir_ + "/cert.pem"; }

private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

caf::error status_of(const std::string& url, const std::string& ca_file) {
  cua_channel_settings settings;
  settings.ca_file = ca_file;
  settings.command_timeout = 5s;
  settings.connect_attempts = 1;
  cua_channel channel(parse_cua_endpoint(url).value(), settings);
  return channel.check_status();
}

} // namespace

TEST(cua_channel_tls, a_certificate_nobody_vouches_for_is_refused) {
  tls_status_server server("IP:127.0.0.1");
  auto err = status_of(server.url(), "");
  ASSERT_TRUE(err);
  EXPECT_EQ(err, errc::computer_failed);
  EXPECT_NE(describe(err).find("certificate verify failed"), std::string::npos) << describe(err);
}

TEST(cua_channel_tls, a_certificate_from_the_ca_file_for_this_host_is_accepted) {
  tls_status_server server("IP:127.0.0.1");
  auto err = status_of(server.url(), server.certificate());
  EXPECT_FALSE(err) << describe(err);
}

TEST(cua_channel_tls, a_trusted_certificate_for_another_host_is_refused) {
  tls_status_server server("DNS:elsewhere.example");
  auto err = status_of(server.url(), server.certificate());
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("TLS handshake"), std::string::npos) << describe(err);
}
