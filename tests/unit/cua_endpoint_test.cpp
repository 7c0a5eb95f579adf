#include "computers/cua_endpoint.hpp"
#include "computers/cua_key_names.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "messages/errors.hpp"

using namespace cua;

TEST(cua_endpoint, fills_in_cua_default_ports_by_scheme) {
  auto plain = parse_cua_endpoint("http://10.0.0.5");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->url, "http://10.0.0.5:8000");
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, "8000");
  auto secure = parse_cua_endpoint("wss://box.example.org/ws");
  ASSERT_TRUE(secure);
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->url, "https://box.example.org:8443");
}

TEST(cua_endpoint, takes_the_container_name_from_the_spec_or_the_first_host_label) {
  auto named = parse_cua_endpoint("my-vm=https://host.example.org:9443");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->container_name, "my-vm");
  EXPECT_EQ(named->host, "host.example.org");
  EXPECT_EQ(named->port, "9443");
  auto cloud = parse_cua_endpoint("https://sandbox-7.containers.cloud.trycua.com:8443");
  ASSERT_TRUE(cloud);
  EXPECT_EQ(cloud->container_name, "sandbox-7");
  auto ip = parse_cua_endpoint("http://127.0.0.1:8000");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->container_name, "");
  auto v6 = parse_cua_endpoint("http://[::1]:8001");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->url, "http://[::1]:8001");
}

TEST(cua_endpoint, refuses_what_is_not_a_computer_server_url_and_says_why) {
  auto expect_invalid = [](const std::string& spec, const std::string& words) {
    auto parsed = parse_cua_endpoint(spec);
    ASSERT_FALSE(parsed) << spec;
    EXPECT_EQ(parsed.error(), errc::invalid_arguments);
    EXPECT_NE(describe(parsed.error()).find(words), std::string::npos) << describe(parsed.error());
  };
  expect_invalid("localhost:8000", "expected a URL");
  expect_invalid("ftp://host", "scheme");
  expect_invalid("http://host:99999", "not a port");
  expect_invalid("http://host:80a", "not a port");
  expect_invalid("http://user:secret@host", "CUA_API_KEY");
  expect_invalid("http://host/api/v2", "without the path");
  expect_invalid("=http://host", "container name");
  expect_invalid("http://", "host is missing");
}

TEST(cua_endpoint, reads_a_urls_file_skipping_comments_and_naming_bad_lines) {
  auto path = testing::TempDir() + "cua_urls.txt";
  {
    std::ofstream out(path);
    out << "# two computers\n\nhttp://10.0.0.1:8000\n  vm2=https://h.example:8443  \n";
  }
  auto urls = read_cua_urls_file(path);
  ASSERT_TRUE(urls) << describe(urls.error());
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[1], "vm2=https://h.example:8443");
  {
    std::ofstream out(path);
    out << "http://10.0.0.1:8000\nnot a url\n";
  }
  auto bad = read_cua_urls_file(path);
  ASSERT_FALSE(bad);
  EXPECT_NE(describe(bad.error()).find(path + ":2:"), std::string::npos) << describe(bad.error());
  std::remove(path.c_str());
  EXPECT_FALSE(read_cua_urls_file(path));
}

TEST(cua_key_names, maps_xdotool_names_and_chords_to_the_server_names) {
  auto keys = [](const std::string& chord) {
    auto out = to_cua_key_names(chord);
    EXPECT_TRUE(out) << chord;
    return out ? *out : std::vector<std::string>{};
  };
  using names = std::vector<std::string>;
  EXPECT_EQ(keys("Return"), names{"enter"});
  EXPECT_EQ(keys("Escape"), names{"esc"});
  EXPECT_EQ(keys("Page_Down"), names{"page_down"});
  EXPECT_EQ(keys("ctrl+shift+t"), (names{"ctrl", "shift", "t"}));
  EXPECT_EQ(keys("super+L"), (names{"cmd", "L"}));
  EXPECT_EQ(keys("alt+F4"), (names{"alt", "f4"}));
  EXPECT_EQ(keys("Control_L+BackSpace"), (names{"ctrl", "backspace"}));
  EXPECT_EQ(keys("ctrl++"), (names{"ctrl", "+"}));
  EXPECT_EQ(keys("ctrl+minus"), (names{"ctrl", "-"}));
  EXPECT_EQ(keys("é"), names{"é"});
  EXPECT_EQ(keys("page_up"), names{"page_up"}); // pynput names pass through
}

TEST(cua_key_names, names_an_unknown_key) {
  auto out = to_cua_key_names("ctrl+Hyperdrive");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), errc::invalid_action);
  EXPECT_NE(describe(out.error()).find("Hyperdrive"), std::string::npos);
  EXPECT_FALSE(to_cua_key_names(""));
  EXPECT_FALSE(to_cua_key_names("F99"));
}
