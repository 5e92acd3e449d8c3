//! idgated: owns the NFC reader and the camera and serves the verification flow over D-Bus.
fn main() -> anyhow::Result<()> {
    Ok(())
}
