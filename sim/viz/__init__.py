"""The class page: a Mesa SolaraViz app with the network drawn live, levers and charts."""
