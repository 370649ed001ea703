//! The cart data: dummyjson's `Cart` and `Product`, typed with serde, and the
//! 208 real carts embedded in the binary.
//!
//! ## What is here
//!
//! * [`Cart`] and [`Product`] mirror the JSON that `https://dummyjson.com/carts/{id}`
//!   returns, field for field (camelCase on the wire, snake_case in Rust), so a
//!   cart fetched from the real API and one from our embedded server decode the
//!   same way.
//! * [`CartStore`] holds the carts that the embedded server serves. The data
//!   file `data/dummyjson-carts.json` (MIT, licence beside it) is compiled into
//!   the binary with `include_str!`, so `homemade serve` and `homemade carts`
//!   need no file at run time.
//! * Money is `f64` on the wire, as dummyjson sends it. To compare totals
//!   exactly, convert to whole cents with [`cents`]: every total in the data has
//!   at most two decimals, so rounding `x * 100` is exact for them.
//!
//! ## The oracle
//!
//! Each cart's `total` is the sum of its products' `total`. The sum of the
//! `total` fields of carts 1..=5 is 17130.47 and of all 208 carts 3834278.63;
//! [`CartStore::total_cents`] computes that sum for any set of ids, and the cart
//! workload checks every strategy's grand total against it.
//!
//! Read next: `routes.rs` (how the server answers `/carts`), then `pricing.rs`
//! (the CPU work done per cart).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One line of a cart: a product, how many, and the price arithmetic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The product's id in dummyjson's catalogue.
    pub id: u64,
    /// Human-readable name.
    pub title: String,
    /// Unit price.
    pub price: f64,
    /// How many units are in the cart.
    pub quantity: u64,
    /// `price * quantity`, rounded to cents.
    pub total: f64,
    /// Discount in percent.
    pub discount_percentage: f64,
    /// `total` after the discount, rounded to cents.
    pub discounted_total: f64,
    /// Picture URL (dummyjson's CDN; never fetched here).
    pub thumbnail: String,
}

/// A shopping cart as dummyjson serves it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    /// Cart id, 1..=208 in the embedded data.
    pub id: u64,
    /// The products in the cart.
    pub products: Vec<Product>,
    /// Sum of the products' `total`.
    pub total: f64,
    /// Sum of the products' `discounted_total`.
    pub discounted_total: f64,
    /// The user who owns the cart.
    pub user_id: u64,
    /// Number of distinct products.
    pub total_products: u64,
    /// Sum of the quantities.
    pub total_quantity: u64,
}

/// Converts a money amount with at most two decimals to whole cents.
pub fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

impl Product {
    /// This product with another quantity, its `total` and `discounted_total`
    /// recomputed as dummyjson's data has them: `total` is `price * quantity`
    /// as a JavaScript number (so `109.99 * 3` is `329.96999999999997`), and
    /// `discounted_total` is that less `discount_percentage` percent, rounded
    /// to cents the way `Math.round` rounds. Every line of the 208 embedded
    /// carts obeys this rule exactly (a unit test checks it).
    pub fn with_quantity(&self, quantity: u64) -> Product {
        let total = self.price * quantity as f64;
        let discounted = round_cents(total * (100.0 - self.discount_percentage) / 100.0);
        Product {
            quantity,
            total,
            discounted_total: discounted,
            ..self.clone()
        }
    }
}

impl Cart {
    /// A cart of these lines, with `total` and `discounted_total` (the sums
    /// of the lines', rounded to cents), `total_products` and
    /// `total_quantity` computed from them, as in dummyjson's data.
    pub fn from_products(id: u64, user_id: u64, products: Vec<Product>) -> Cart {
        let total: f64 = products.iter().map(|p| p.total).sum();
        let discounted: f64 = products.iter().map(|p| p.discounted_total).sum();
        Cart {
            id,
            total: round_cents(total),
            discounted_total: round_cents(discounted),
            user_id,
            total_products: products.len() as u64,
            total_quantity: products.iter().map(|p| p.quantity).sum(),
            products,
        }
    }
}

/// Rounds a money amount to cents as JavaScript's `Math.round(x * 100) / 100`
/// does (halves go up).
fn round_cents(amount: f64) -> f64 {
    (amount * 100.0 + 0.5).floor() / 100.0
}

/// The embedded JSON text of all 208 carts.
const CARTS_JSON: &str = include_str!("../../data/dummyjson-carts.json");

/// The carts the embedded server serves, in id order, and the product
/// table built from them.
#[derive(Debug)]
pub struct CartStore {
    carts: Vec<Cart>,
    /// Every product that appears in a cart, once, in id order (dummyjson
    /// prices new carts from its product catalogue; we ship only the carts,
    /// so this table holds the 189 products they use).
    products: Vec<Product>,
}

impl CartStore {
    /// The 208 embedded carts, parsed once on first use and shared afterwards.
    pub fn embedded() -> &'static CartStore {
        static STORE: OnceLock<CartStore> = OnceLock::new();
        STORE.get_or_init(|| {
            let carts: Vec<Cart> =
                serde_json::from_str(CARTS_JSON).expect("data/dummyjson-carts.json is valid JSON");
            CartStore::from_carts(carts)
        })
    }

    /// A store over any list of carts (kept in id order).
    pub fn from_carts(mut carts: Vec<Cart>) -> CartStore {
        carts.sort_by_key(|c| c.id);
        let mut products: Vec<Product> = carts
            .iter()
            .flat_map(|c| c.products.iter().cloned())
            .collect();
        products.sort_by_key(|p| p.id); // stable: the first cart's copy comes first
        products.dedup_by_key(|p| p.id);
        CartStore { carts, products }
    }

    /// The product with this id from the product table (its `quantity` and
    /// totals are those of some cart; use [`Product::with_quantity`]).
    pub fn product(&self, id: u64) -> Option<&Product> {
        self.products
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .map(|i| &self.products[i])
    }

    /// The carts of this user, in id order.
    pub fn carts_of_user(&self, user_id: u64) -> impl Iterator<Item = &Cart> {
        self.carts.iter().filter(move |c| c.user_id == user_id)
    }

    /// True when some cart belongs to this user. dummyjson checks user ids
    /// against its user data, which we do not ship; the embedded carts
    /// belong to the users 1 to 208, and those are the users here.
    pub fn has_user(&self, user_id: u64) -> bool {
        self.carts.iter().any(|c| c.user_id == user_id)
    }

    /// All carts, in id order.
    pub fn all(&self) -> &[Cart] {
        &self.carts
    }

    /// Number of carts.
    pub fn len(&self) -> usize {
        self.carts.len()
    }

    /// True when the store holds no cart.
    pub fn is_empty(&self) -> bool {
        self.carts.is_empty()
    }

    /// The cart with this id, if any.
    pub fn get(&self, id: u64) -> Option<&Cart> {
        self.carts
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .map(|i| &self.carts[i])
    }

    /// `limit` carts starting after `skip` of them (dummyjson's paging).
    pub fn page(&self, skip: usize, limit: usize) -> &[Cart] {
        let start = skip.min(self.carts.len());
        let end = start.saturating_add(limit).min(self.carts.len());
        &self.carts[start..end]
    }

    /// The oracle: the sum, in cents, of the `total` field of the carts with
    /// these ids. `None` if one of the ids is not in the store.
    pub fn total_cents(&self, ids: impl IntoIterator<Item = u64>) -> Option<i64> {
        ids.into_iter()
            .map(|id| self.get(id).map(|c| cents(c.total)))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_has_208_carts_and_the_known_totals() {
        let store = CartStore::embedded();
        assert_eq!(store.len(), 208);
        assert_eq!(store.total_cents(1..=5), Some(1_713_047));
        assert_eq!(store.total_cents(1..=208), Some(383_427_863));
        assert_eq!(store.total_cents([0]), None);
    }

    #[test]
    fn each_cart_total_is_the_sum_of_its_products() {
        for cart in CartStore::embedded().all() {
            let sum: i64 = cart.products.iter().map(|p| cents(p.total)).sum();
            assert_eq!(sum, cents(cart.total), "cart {}", cart.id);
        }
    }

    #[test]
    fn paging_clamps_to_the_data() {
        let store = CartStore::embedded();
        assert_eq!(store.page(0, 3).len(), 3);
        assert_eq!(store.page(207, 30).len(), 1);
        assert!(store.page(500, 30).is_empty());
        assert_eq!(store.page(0, usize::MAX).len(), 208);
    }

    #[test]
    fn recomputing_every_cart_from_its_quantities_gives_the_data_back() {
        let store = CartStore::embedded();
        for cart in store.all() {
            let lines = cart
                .products
                .iter()
                .map(|p| store.product(p.id).unwrap().with_quantity(p.quantity))
                .collect();
            let again = Cart::from_products(cart.id, cart.user_id, lines);
            // Compared in cents: serde_json reads some of the data's long
            // decimals (`99.94999999999999`) one unit in the last place off.
            let money = |c: &Cart| {
                let lines: Vec<_> = c
                    .products
                    .iter()
                    .map(|p| (p.id, p.quantity, cents(p.total), cents(p.discounted_total)))
                    .collect();
                (lines, cents(c.total), cents(c.discounted_total))
            };
            assert_eq!(money(&again), money(cart), "cart {}", cart.id);
            assert_eq!(
                (again.user_id, again.total_products, again.total_quantity),
                (cart.user_id, cart.total_products, cart.total_quantity)
            );
        }
        assert!(store.has_user(1) && store.has_user(208) && !store.has_user(209));
        assert_eq!(store.product(144).unwrap().title, "Cricket Helmet");
        assert!(store.product(0).is_none());
    }

    #[test]
    fn a_cart_round_trips_through_json_in_dummyjson_field_names() {
        let cart = CartStore::embedded().get(1).unwrap();
        let text = serde_json::to_string(cart).unwrap();
        assert!(text.contains("\"discountedTotal\""));
        assert!(text.contains("\"totalQuantity\""));
        let back: Cart = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, cart);
    }
}
