#include "util/node_proof.hpp"

#include <gtest/gtest.h>

using namespace cua;

TEST(node_proof, is_hmac_sha256_in_hex) {
  // RFC 4231, test case 2.
  EXPECT_EQ(node_proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(node_proof, nonces_are_fresh_and_proofs_compare_exactly) {
  auto a = new_nonce();
  auto b = new_nonce();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  auto proof = node_proof("secret", a);
  EXPECT_TRUE(same_proof(proof, node_proof("secret", a)));
  EXPECT_FALSE(same_proof(proof, node_proof("secret", b)));
  EXPECT_FALSE(same_proof(proof, node_proof("Secret", a)));
  EXPECT_FALSE(same_proof(proof, proof.substr(1)));
}
