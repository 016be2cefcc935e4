"""UAVTrack112 and its long-term subset UAVTrack112_L: ROOT/data_seq/<seq>/*.jpg with ROOT/anno/<seq>.txt
(UAVTrack112) or ROOT/anno_l/<seq>.txt (UAVTrack112_L), comma x,y,w,h with NaN rows when absent."""

from edgetrack.datasets.annotation_folder import AnnotationFolderDataset
from edgetrack.datasets.registry import register


@register("uavtrack112")
class UAVTrack112(AnnotationFolderDataset):
    anno_dirs = ("anno",)


@register("uavtrack112_l")
class UAVTrack112L(AnnotationFolderDataset):
    anno_dirs = ("anno_l",)
