#pragma once

#include <string>

namespace cua {

/// Returns a new random (version 4) UUID in its canonical text form. Session ids are made with it so
/// that they cannot be guessed.
std::string random_uuid();

} // namespace cua
