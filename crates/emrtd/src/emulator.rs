//! The chip's side of the protocols, for a card emulator (`idgate-vpass`) and protocol-level tests:
//! BAC's answer, the PACE mappings and CAM data, the domain parameters and signatures a chip and
//! its PKI produce, EF.SOD's structure, the symmetric ciphers. One named door instead of making
//! the protocol modules public; the reader needs none of it (see the crate root).

pub use crate::access::bac::{self, BacKeys};
pub use crate::access::pace::integrated_mapping;
pub use crate::access::pace::{
    Pace, PaceError, PaceOutcome, PacePassword, PaceStep, decrypt_ca_data, encrypt_ca_data,
};
pub use crate::auth::active::AaPublicKey;
pub use crate::auth::chip::select_from_dg14;
pub use crate::auth::passive::{self, HashAlgorithm, Sod, SodError, sod};
pub use crate::crypto::cipher::{CipherError, KdfPurpose, SymmetricCipher};
pub use crate::crypto::domain_params::{self, Group, NamedCurve};
pub use crate::crypto::signature::{self, SignatureError};
