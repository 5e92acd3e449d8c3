//! idgate, the terminal front end of the identity-verification station.
//!
//! State / update / view kept apart: `app` (pure state and `update`), `view` (drawing, one module
//! per screen), `bus` (the D-Bus client tasks), `runner` (the one event loop).

pub mod app;
pub mod bus;
pub mod cli;
pub mod i18n;
pub mod manual;
pub mod model;
pub mod runner;
pub mod theme;
pub mod view;
