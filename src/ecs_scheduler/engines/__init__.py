"""Engines: turn a DesiredState into live AWS resources or into files for other tools."""
