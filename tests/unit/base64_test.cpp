#include "util/base64.hpp"

#include <gtest/gtest.h>

using namespace cua;

TEST(base64, encodes_rfc4648_vectors) {
  auto enc = [](std::string s) { return base64_encode(std::vector<uint8_t>(s.begin(), s.end())); };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
}

TEST(base64, decodes_what_it_encodes) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 1000; ++i)
    bytes.push_back(static_cast<uint8_t>(i * 31));
  for (size_t n : {0u, 1u, 2u, 3u, 999u, 1000u}) {
    std::vector<uint8_t> part(bytes.begin(), bytes.begin() + n);
    auto back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, part);
  }
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("!!!!"));
}
