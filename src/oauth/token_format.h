// Opaque credential formats. Every secret Tessera hands out is 256 bits from the CSPRNG,
// base64url, behind a type prefix that secret scanners can match (like fosite's ory_at_).
// Only hash() of a credential is ever stored.
#pragma once

#include <string>
#include <string_view>

namespace tessera::oauth {

inline constexpr std::string_view kAccessTokenPrefix = "tsr_at_";
inline constexpr std::string_view kRefreshTokenPrefix = "tsr_rt_";
inline constexpr std::string_view kCodePrefix = "tsr_ac_";
inline constexpr std::string_view kLaunchPrefix = "tsr_ln_";
inline constexpr std::string_view kClientSecretPrefix = "tsr_cs_";
inline constexpr std::string_view kInteractionPrefix = "ix_";

// prefix + 43 base64url characters.
std::string new_credential(std::string_view prefix);
// Storage key of a credential: hex SHA-256. Fast on purpose: the input has 256 bits of entropy.
std::string credential_hash(std::string_view credential);
// Cheap syntactic check before any lookup (length, prefix, alphabet).
bool looks_like(std::string_view credential, std::string_view prefix);

}  // namespace tessera::oauth
