export { parseSshIdentification, probeSshBanner, waitForSshBanner, type BannerParse, type ProbeOutcome, type WaitForSshBannerOptions } from './ssh-banner';
export { choosePort, isPortFree, ephemeralPort, pickLocalPort, type PortChoice } from './free-port';
