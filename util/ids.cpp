#include "util/ids.hpp"

#include <uuid/uuid.h>

namespace cua {

std::string random_uuid() {
  uuid_t id;
  uuid_generate_random(id);
  char text[37];
  uuid_unparse_lower(id, text);
  return text;
}

} // namespace cua
