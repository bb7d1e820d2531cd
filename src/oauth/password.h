// User passwords: argon2id through libsodium (interactive limits). Never on a hot path.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace tessera::oauth {

core::Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view password, const std::string& stored_hash);
// Burns the same time as a verification, so unknown usernames are not told apart by timing.
void verify_dummy_password(std::string_view password);

}  // namespace tessera::oauth
