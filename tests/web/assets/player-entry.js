export { WebRTCPlayer } from "@eyevinn/webrtc-player";
