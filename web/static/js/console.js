// Merchant console: wires the products, shows, deals and orders sections together.
import { initDeals, setProducts, setRooms } from "./console-deals.js";
import { initProducts } from "./console-products.js";
import { initRooms, renderShelfOptions } from "./console-rooms.js";

initProducts((products) => { renderShelfOptions(products); setProducts(products); });
initRooms(setRooms);
initDeals();
