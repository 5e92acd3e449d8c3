//! idgate-flow
