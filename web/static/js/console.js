// Merchant console: wires the products, shows, deals, orders and webhooks sections together.
import { setDashboardRooms } from "./console-dashboard.js";
import { initDeals, setProducts, setRooms } from "./console-deals.js";
import { initGifts } from "./console-gifts.js";
import { initOrderList, setOrderProducts, setOrderRooms } from "./console-order-list.js";
import { initProducts } from "./console-products.js";
import { initPromoters, setPromoterProducts } from "./console-promoters.js";
import { initRooms, renderShelfOptions } from "./console-rooms.js";
import { initWebhooks } from "./console-webhooks.js";

initProducts((products) => { renderShelfOptions(products); setProducts(products); setOrderProducts(products); setPromoterProducts(products); });
initRooms((rooms) => { setRooms(rooms); setOrderRooms(rooms); setDashboardRooms(rooms); });
initDeals();
initOrderList();
initGifts();
initPromoters();
initWebhooks();
