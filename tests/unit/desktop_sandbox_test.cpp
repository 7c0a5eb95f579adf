// The sandbox's command line and flags (the sandbox itself is tested from inside a desktop in
// tests/e2e/sandbox_test.cpp).

#include "computers/desktop_sandbox.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "messages/errors.hpp"

using namespace cua;

namespace {

// Whether `args` has `a b c` in a row.
bool has(const std::vector<std::string>& args, std::vector<std::string> run) {
  return std::search(args.begin(), args.end(), run.begin(), run.end()) != args.end();
}

std::vector<std::string> command_for(const desktop_sandbox_options& options) {
  return sandbox_command(options, {"/tmp/d/x11", "/tmp/d/Xauthority"}, 6, {"/bin/sh", "-c", "x"});
}

} // namespace

TEST(desktop_sandbox, confines_with_namespaces_and_shares_only_its_own_x_socket) {
  desktop_sandbox_options options;
  auto args = command_for(options);
  ASSERT_EQ(args.front(), "bwrap");
  for (const char* flag : {"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                           "--unshare-net", "--die-with-parent", "--new-session", "--disable-userns"})
    EXPECT_TRUE(has(args, {flag})) << flag;
  EXPECT_TRUE(has(args, {"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(has(args, {"--tmpfs", "/tmp"}));
  EXPECT_TRUE(has(args, {"--bind", "/tmp/d/x11", "/tmp/.X11-unix"}));
  EXPECT_TRUE(has(args, {"--ro-bind", "/tmp/d/Xauthority", sandbox_authority_path}));
  EXPECT_TRUE(has(args, {"--chdir", sandbox_home}));
  EXPECT_TRUE(has(args, {"--info-fd", "6", "--", "/bin/sh", "-c", "x"}));
  // Nothing of the host's writable places.
  for (const char* host_dir : {"/home", "/root", "/work", "/var"})
    EXPECT_FALSE(has(args, {"--bind", host_dir})) << host_dir;
  EXPECT_FALSE(has(args, {"--ro-bind", "/", "/"}));
}

TEST(desktop_sandbox, host_network_shares_the_namespace_and_binds_are_added) {
  desktop_sandbox_options options;
  options.network = desktop_network::host;
  options.binds = {{"/srv/data", "/data", true}, {"/srv/out", "/out", false}};
  auto args = command_for(options);
  EXPECT_FALSE(has(args, {"--unshare-net"}));
  EXPECT_TRUE(has(args, {"--ro-bind", "/srv/data", "/data"}));
  EXPECT_TRUE(has(args, {"--bind", "/srv/out", "/out"}));
  options.network = desktop_network::none;
  EXPECT_TRUE(has(command_for(options), {"--unshare-net"}));
}

TEST(desktop_sandbox, bind_flags_are_parsed_or_refused_clearly) {
  auto rw = parse_desktop_bind("/a/b:/c");
  ASSERT_TRUE(rw);
  EXPECT_EQ(rw->source, "/a/b");
  EXPECT_EQ(rw->target, "/c");
  EXPECT_FALSE(rw->read_only);
  auto ro = parse_desktop_bind("/a:/b:ro");
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro->read_only);
  EXPECT_EQ(ro->target, "/b");
  for (const char* bad : {"/a", "a:/b", "/a:b", ":/b", "/a:", "/a:/b:rw"}) {
    auto refused = parse_desktop_bind(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(describe(refused.error()).find("--desktop-bind"), std::string::npos);
  }
}

TEST(desktop_sandbox, root_runs_desktops_as_the_desktop_user_and_never_as_root) {
  desktop_sandbox_options options;
  auto identity = resolve_desktop_identity(options);
  ASSERT_TRUE(identity);
  if (getuid() == 0) {
    EXPECT_TRUE(identity->switch_user);
    EXPECT_EQ(identity->uid, 65534u); // nobody
    options.user = "root";
    auto refused = resolve_desktop_identity(options);
    ASSERT_FALSE(refused);
    EXPECT_NE(describe(refused.error()).find("never run as root"), std::string::npos);
    options.user = "no-such-user-here";
    EXPECT_FALSE(resolve_desktop_identity(options));
  } else {
    EXPECT_FALSE(identity->switch_user);
    EXPECT_EQ(identity->uid, getuid());
  }
}
