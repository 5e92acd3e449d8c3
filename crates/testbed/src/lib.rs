//! idgate-testbed
