//! idgate-vpass
