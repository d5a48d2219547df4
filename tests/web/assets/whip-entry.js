export { WHIPClient } from "@eyevinn/whip-web-client";
