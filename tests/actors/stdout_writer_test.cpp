#include "transport/stdout_writer.hpp"

#include <csignal>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;

namespace {

class stdout_writer_test : public test::deterministic {
protected:
  stdout_writer_test() {
    signal(SIGPIPE, SIG_IGN); // a closed reader must be an error value, not a signal
    EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0);
    fcntl(fds_[1], F_SETPIPE_SZ, 1 << 20); // room for every line without a reader
  }

  ~stdout_writer_test() override {
    if (fds_[0] >= 0)
      close(fds_[0]);
    close(fds_[1]);
  }

  std::string drain() {
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = read(fds_[0], buf, sizeof(buf))) > 0)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

  int fds_[2] = {-1, -1};
};

} // namespace

TEST_F(stdout_writer_test, a_burst_of_lines_comes_out_whole_and_in_order) {
  auto writer = own(sys().spawn(stdout_writer, fds_[1]));
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    auto line = "{\"id\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 300, 'x') + "\"}";
    caf::anon_send(writer, write_atom::value, outbound_line{line, {}, {}, 0});
    expected += line + "\n";
  }
  run(); // the whole burst is in the mailbox at once: written together, as lines come
  EXPECT_EQ(drain(), expected);
  caf::anon_send(writer, write_atom::value, outbound_line{"{\"late\":true}", {}, {}, 0});
  run();
  EXPECT_EQ(drain(), "{\"late\":true}\n"); // a lone line is not held back
}

TEST_F(stdout_writer_test, a_closed_reader_drops_output_and_the_writer_goes_on) {
  auto writer = own(sys().spawn(stdout_writer, fds_[1]));
  close(fds_[0]);
  fds_[0] = -1;
  caf::anon_send(writer, write_atom::value, outbound_line{"{}", {}, {}, 0});
  caf::anon_send(writer, write_atom::value, outbound_line{"{}", {}, {}, 0});
  run();
  auto flushed = ask_done(writer, flush_atom::value);
  run();
  EXPECT_TRUE(flushed->done); // still answering after EPIPE
}
