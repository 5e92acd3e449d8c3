//! Error rates with exact binomial (Clopper–Pearson) confidence bounds, and DET rows.

/// P(X ≤ k) for X ~ Binomial(n, p), summed in log space (n of 10⁴ underflows otherwise).
fn binom_cdf(k: usize, n: usize, p: f64) -> f64 {
    if k >= n || p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut term = n as f64 * lq;
    let mut acc = term;
    for i in 0..k {
        term += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + lp - lq;
        let (hi, lo) = if acc > term { (acc, term) } else { (term, acc) };
        acc = hi + (lo - hi).exp().ln_1p();
    }
    acc.exp().min(1.0)
}

/// The p at which `f(p)` (decreasing in p) equals `target`, by bisection.
fn solve_decreasing(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if f(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// One-sided upper confidence bound on p after `k` errors in `n` trials: the p at which
/// seeing ≤ k errors has probability `alpha` (k = 0, alpha = 0.05 gives ≈ 3/n, the rule of three).
pub fn upper(k: usize, n: usize, alpha: f64) -> f64 {
    if n == 0 || k >= n {
        return 1.0;
    }
    solve_decreasing(|p| binom_cdf(k, n, p), alpha)
}

/// One-sided lower confidence bound: the p at which seeing ≥ k errors has probability `alpha`.
pub fn lower(k: usize, n: usize, alpha: f64) -> f64 {
    if n == 0 || k == 0 {
        return 0.0;
    }
    // P(X ≥ k) = 1 − P(X ≤ k−1) increases with p.
    solve_decreasing(|p| binom_cdf(k - 1, n, p), 1.0 - alpha)
}

/// `k/n` as a percentage with its two-sided 95 % Clopper–Pearson interval.
pub fn rate(k: usize, n: usize) -> String {
    if n == 0 {
        return "-/0".into();
    }
    format!(
        "{k}/{n} = {:.3} % [{:.3}, {:.3}]",
        100.0 * k as f64 / n as f64,
        100.0 * lower(k, n, 0.025),
        100.0 * upper(k, n, 0.025)
    )
}

/// Errors at threshold `t`: impostors at or above, genuines below.
pub fn errors(genuine: &[f32], impostor: &[f32], t: f32) -> (usize, usize) {
    (
        genuine.iter().filter(|&&s| s < t).count(),
        impostor.iter().filter(|&&s| s >= t).count(),
    )
}

/// The lowest threshold (on a 0.001 grid) whose false match count `k` over `n` satisfies `ok(k, n)`.
pub fn lowest_threshold(impostor: &[f32], ok: impl Fn(usize, usize) -> bool) -> Option<f32> {
    (0..=1000)
        .map(|i| i as f32 / 1000.0)
        .find(|&t| ok(impostor.iter().filter(|&&s| s >= t).count(), impostor.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_of_three_and_a_textbook_interval() {
        // 0 errors in 3000: one-sided 95 % bound 1 − 0.05^(1/3000) = 0.0998 %.
        assert!((upper(0, 3000, 0.05) - (1.0 - 0.05f64.powf(1.0 / 3000.0))).abs() < 1e-9);
        // 5 in 100: the exact 95 % interval is [1.643 %, 11.284 %] (Clopper–Pearson tables).
        assert!((lower(5, 100, 0.025) - 0.01643).abs() < 5e-5);
        assert!((upper(5, 100, 0.025) - 0.11284).abs() < 5e-5);
    }
}
