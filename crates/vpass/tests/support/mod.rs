//! What the virtual-passport tests share: a chip personalised by the test PKI together with the
//! checks of a station that trusts that PKI, the specimen's access key, the PACE offers a test
//! narrows the chip to, and the "every check passed" assertion. Also included by daemon tests
//! (`#[path]`), so it uses only crates those have too. Each test binary uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::SystemTime;

use idgate_emrtd::emulator::SymmetricCipher;
use idgate_emrtd::lds::security_infos::{PaceMapping, PaceProtocol};
use idgate_emrtd::{AccessKey, Check, CheckOutcome, ChipAuthenticity, ChipRead};
use idgate_vpass::pki::PkiError;
use idgate_vpass::security::{ChipSecurity, SecurityOptions, personalise};
use idgate_vpass::{PassportProfile, VirtualPassport};

/// A chip personalised by the test PKI, and the checks a station trusting that PKI makes.
pub struct Personalised {
    /// The chip with its secrets (PACE password, Chip and Active Authentication keys).
    pub chip: VirtualPassport,
    /// Passive, Chip and Active Authentication against the PKI's trust anchors, at `opts.now`.
    pub authenticity: ChipAuthenticity,
}

/// Personalises `profile` with `opts` (EF.CardAccess, DG14, DG15, EF.SOD) and makes its chip.
pub fn personalised(
    profile: &mut PassportProfile,
    opts: &SecurityOptions,
) -> Result<Personalised, PkiError> {
    personalised_with(profile, opts, |secrets| secrets)
}

/// As [`personalised`], with the chip's secrets changed by `secrets` first (e.g. a CAN).
pub fn personalised_with(
    profile: &mut PassportProfile,
    opts: &SecurityOptions,
    secrets: impl FnOnce(ChipSecurity) -> ChipSecurity,
) -> Result<Personalised, PkiError> {
    let security = personalise(profile, opts)?;
    let chip = VirtualPassport::new(profile)
        .expect("chip")
        .with_security(secrets(security.chip));
    Ok(Personalised {
        chip,
        authenticity: ChipAuthenticity::new(Arc::new(security.trust), opts.now),
    })
}

/// The specimen's MRZ key, as the code step gives it.
pub fn specimen_key() -> AccessKey {
    AccessKey::Mrz(PassportProfile::specimen().access_key().expect("key"))
}

/// The modern passport with PACE offering only `mapping` with AES-128 on parameter set `id`.
pub fn pace_only(mapping: PaceMapping, id: u32) -> SecurityOptions {
    pace_with(mapping, SymmetricCipher::Aes128, id)
}

/// The modern passport with PACE offering only `mapping` with `cipher` on parameter set `id`.
pub fn pace_with(mapping: PaceMapping, cipher: SymmetricCipher, id: u32) -> SecurityOptions {
    SecurityOptions {
        pace: vec![(PaceProtocol { mapping, cipher }, id)],
        ..SecurityOptions::modern(SystemTime::now())
    }
}

/// PACE, Chip, Active and Passive Authentication all passed.
pub fn assert_every_check_passed(read: &ChipRead, context: &str) {
    for check in [
        Check::Pace,
        Check::ChipAuthentication,
        Check::ActiveAuthentication,
        Check::PassiveAuthentication,
    ] {
        assert!(
            read.checks.contains(&CheckOutcome::passed(check)),
            "{context}: {check:?} not passed: {:?}",
            read.checks
        );
    }
}
