// Session ids are random version 4 UUIDs: 122 bits nobody can predict.

#include <array>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "util/ids.hpp"

TEST(ids, are_canonical_version_4_uuids) {
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) {
    auto id = cua::random_uuid();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
  }
}

TEST(ids, never_repeat_and_every_random_bit_varies) {
  constexpr int n = 20000;
  std::set<std::string> seen;
  std::array<int, 128> ones{};
  for (int i = 0; i < n; ++i) {
    auto id = cua::random_uuid();
    EXPECT_TRUE(seen.insert(id).second) << "repeated id " << id;
    int bit = 0;
    for (char c : id) {
      if (c == '-')
        continue;
      int v = std::stoi(std::string(1, c), nullptr, 16);
      for (int b = 3; b >= 0; --b)
        ones[bit++] += (v >> b) & 1;
    }
  }
  // Bits 48-51 hold the version and 64-65 the variant; every other bit is a fair coin: outside 45-55% ones
  // in 20000 draws is 14 standard deviations away for a fair one.
  int random_bits = 0;
  for (int b = 0; b < 128; ++b) {
    if ((b >= 48 && b < 52) || b == 64 || b == 65)
      continue;
    ++random_bits;
    EXPECT_GT(ones[b], n * 45 / 100) << "bit " << b;
    EXPECT_LT(ones[b], n * 55 / 100) << "bit " << b;
  }
  EXPECT_EQ(random_bits, 122);
}
