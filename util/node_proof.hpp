#pragma once

#include <string>

namespace cua {

/// Returns a fresh random nonce (hex) for a node handshake.
std::string new_nonce();

/// Returns the proof a node gives of knowing `secret` for `nonce`: HMAC-SHA256, in hex. The secret
/// itself never crosses the network.
std::string node_proof(const std::string& secret, const std::string& nonce);

/// Compares two proofs in constant time.
bool same_proof(const std::string& a, const std::string& b);

} // namespace cua
