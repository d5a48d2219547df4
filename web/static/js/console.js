// Merchant console: wires the products, shows, deals and orders sections together.
import { setDashboardRooms } from "./console-dashboard.js";
import { initDeals, setProducts, setRooms } from "./console-deals.js";
import { initOrderList, setOrderProducts, setOrderRooms } from "./console-order-list.js";
import { initProducts } from "./console-products.js";
import { initRooms, renderShelfOptions } from "./console-rooms.js";

initProducts((products) => { renderShelfOptions(products); setProducts(products); setOrderProducts(products); });
initRooms((rooms) => { setRooms(rooms); setOrderRooms(rooms); setDashboardRooms(rooms); });
initDeals();
initOrderList();
