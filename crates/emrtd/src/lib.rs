//! idgate-emrtd
